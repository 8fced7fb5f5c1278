export * from './keys';
export * from './errors';
export * from './scripts';
export * from './workflow-store';
export * from './preferences-store';
export * from './reply-cache';
export * from './redis';
export * from './carry-out';
