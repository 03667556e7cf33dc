// The queue lives in the public test kit (`nasc/testing`); the suites import it from here as before.
export * from '../../testing/message-queue.js';
