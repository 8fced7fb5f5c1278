export * from './names';
export * from './step-queue';
export * from './timer-queue';
