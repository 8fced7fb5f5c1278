/** Store errors, each with a string code; the gateway maps them to protocol error codes. */
export class VersionConflictError extends Error {
  readonly code = 'version_conflict';
  constructor(readonly currentVersion: number) {
    super(`the workflow changed (now at version ${currentVersion})`);
  }
}

export class CorruptRecordError extends Error {
  readonly code = 'corrupt_record';
  constructor(key: string, reason: string) {
    super(`record ${key} failed validation: ${reason}`);
  }
}
