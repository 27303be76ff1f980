import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { ConsentView } from '../consent-view.js';
import type { RequestContext } from '../context.js';
import { PropagationStatus } from '../types/consent-change.type.js';
import { Consent } from '../types/consent.type.js';

/** Whether the systems that follow the change feed have applied this user's latest change. */
@Resolver(() => Consent)
export class ConsentPropagationResolver {
  @FieldResolver(() => [PropagationStatus], {
    description: "Per consumer that acknowledges the feed: has it applied this user's latest change, and when?",
  })
  propagation(@Root() view: ConsentView, @Ctx() ctx: RequestContext): Promise<readonly PropagationStatus[]> {
    return ctx.loaders.propagationByUserId.load(view.userId);
  }
}
