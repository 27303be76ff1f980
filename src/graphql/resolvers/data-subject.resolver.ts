import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { userIdProblem } from '../../auth/user-id.js';
import { badUserInput } from '../../errors.js';
import { requireConsentReader, requirePrincipal } from '../authorization.js';
import type { RequestContext } from '../context.js';
import { User } from '../types/user.type.js';

@Resolver()
export class DataSubjectResolver {
  @Query(() => User, { description: 'The data subject whose consent to read: the caller when id is omitted.' })
  dataSubject(
    @Arg('id', () => ID, { nullable: true, description: "Another user's id; needs the consent:read or consent:admin scope." })
    id: string | null | undefined,
    @Ctx() ctx: RequestContext,
  ): User {
    const principal = requirePrincipal(ctx);
    const problem = id == null ? null : userIdProblem(id);
    if (problem !== null) throw badUserInput(`id ${problem}.`);
    const userId = id ?? principal.subject;
    requireConsentReader(ctx, userId);
    return { id: userId };
  }
}
