import { Directive, Field, ID, ObjectType } from 'type-graphql';

/**
 * The shared user entity. This subgraph owns no users: it contributes
 * `consent` and `dataSharingPurposes` to whichever user the gateway names.
 */
@Directive('@key(fields: "id")')
@ObjectType({ description: 'A person whose data the service processes (the data subject).', simpleResolvers: true })
export class User {
  @Field(() => ID, { description: 'The user id, as in the `sub` claim of their token.' })
  id!: string;
}
