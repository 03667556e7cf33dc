/**
 * Mocha's globals, as web-test-runner's mocha sets them up before it imports a test file; imported instead of
 * declared globally so the Node tests in test/server keep their own `describe`/`it`.
 */
type Done = () => void | Promise<void>;
type Suite = (name: string, body: () => void) => void;
type Test = (name: string, body: Done) => void;
type Hook = (body: Done) => void;

const mocha = globalThis as unknown as { describe: Suite; it: Test; before: Hook; after: Hook; beforeEach: Hook; afterEach: Hook };

export const describe: Suite = (name, body) => mocha.describe(name, body);
export const it: Test = (name, body) => mocha.it(name, body);
export const before: Hook = (body) => mocha.before(body);
export const after: Hook = (body) => mocha.after(body);
export const beforeEach: Hook = (body) => mocha.beforeEach(body);
export const afterEach: Hook = (body) => mocha.afterEach(body);
