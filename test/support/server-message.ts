// The message helpers live in the public test kit (`nasc/testing`); the suites import them from here as before.
export * from '../../testing/server-message.js';
