/** Change capture (issue 7): CloudTrail events of the local pool become sync messages. See docs/CHANGE-CAPTURE.md. */
export * from './events';
export * from './rule';
export * from './pattern-matcher';
export * from './queue-message';
export * from './screen';
