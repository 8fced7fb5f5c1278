export * from './api';
export * from './draft';
export * from './decisions';
export * from './execution';
export * from './views';
