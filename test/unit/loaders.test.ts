import { describe, expect, it } from 'vitest';
import type { SqlReader } from '../../src/db/prepared-reads.js';
import { createLoaders } from '../../src/graphql/loaders.js';
import type { PolicyCatalog } from '../../src/services/policy-catalog.js';

describe("a request's consent loader", () => {
  it('keeps a failed read failed for the request: the fields that wait for a batch read ahead get its error, and nothing reads again', async () => {
    let reads = 0;
    const down = new Error('connect ECONNREFUSED 127.0.0.1:5432');
    const reader = {
      getConnection: () => {
        reads += 1;
        throw down;
      },
    } as unknown as SqlReader;
    const loaders = createLoaders(reader, {} as PolicyCatalog);

    // The batch read ahead of the fields (an _entities batch)...
    expect(await loaders.consentByUserId.loadMany(['alice', 'bob'])).toEqual([down, down]);
    // ...then the fields of each user, as graphql-js resolves them.
    await expect(loaders.consentByUserId.load('alice')).rejects.toBe(down);
    await expect(loaders.consentByUserId.load('bob')).rejects.toBe(down);
    expect(reads).toBe(1);
  });
});
