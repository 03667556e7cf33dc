// The parser lives in the public test kit (`nasc/testing`); the suites import it from here as before.
export * from '../../testing/sse-parser.js';
