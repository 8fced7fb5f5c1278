export * from './enums';
export * from './errors';
export * from './catalog';
export * from './model';
export * from './preferences';
export * from './messages';
export * from './jobs';
export * from './event-ids';
