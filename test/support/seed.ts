import type { MikroORM } from '@mikro-orm/core';
import { ConsentChoiceEntity } from '../../src/db/entities/consent-choice.entity.js';
import { ConsentSubjectEntity } from '../../src/db/entities/consent-subject.entity.js';

/**
 * Bulk-creates users who accepted `policyVersion` at `acceptedAt`; every
 * third one withdrew the 2016 account-sharing group. Straight into the
 * tables, for read-path tests that need many users quickly.
 */
export async function seedAcceptedUsers(orm: MikroORM, ids: readonly string[], policyVersion: string, acceptedAt: Date): Promise<void> {
  const em = orm.em.fork();
  ids.forEach((userId, i) => {
    em.create(ConsentSubjectEntity, { userId, version: 1, policyVersion, acceptedAt, updatedAt: acceptedAt });
    if (i % 3 === 0) {
      for (const purposeKey of ['facebook.ads', 'facebook.friend_suggestions']) {
        em.create(ConsentChoiceEntity, { userId, purposeKey, policyVersion, granted: false, source: 'USER', decidedAt: acceptedAt });
      }
    }
  });
  await em.flush();
}
