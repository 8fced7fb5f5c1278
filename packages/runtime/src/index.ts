export * from './logger';
export * from './env';
export * from './shutdown';
export * from './coalesce-writes';
