// The logger lives in the public test kit (`nasc/testing`); the suites import it from here as before.
export * from '../../testing/memory-logger.js';
