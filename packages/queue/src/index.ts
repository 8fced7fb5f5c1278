export * from './names';
export * from './step-queue';
