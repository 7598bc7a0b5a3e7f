// What every runtime entry exports besides what lazy() gives it.
export * from './errors.js';
