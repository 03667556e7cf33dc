import { MemoryStore, type CommitRequest } from '../../server/index.js';

/** A real memory store whose commits throw `failWith` while it is set: a store losing its disk or its Redis. */
export class FailingStore extends MemoryStore {
  failWith: Error | undefined;

  override async commit(type: string, instance: string, request: CommitRequest): Promise<boolean> {
    if (this.failWith) throw this.failWith;
    return super.commit(type, instance, request);
  }
}
