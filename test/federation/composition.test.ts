import { composeServices as composeWithGuild } from '@theguild/federation-composition';
import { type ASTNode, buildSchema, type GraphQLError, Kind, lexicographicSortSchema, parse, print, printSchema, visit } from 'graphql';
import { describe, expect, it } from 'vitest';
import { composeSupergraph, readConsentSdl, SUBGRAPHS, subgraphSdls, supergraphFileText } from '../fixtures/supergraph.js';

const codes = (errors: readonly GraphQLError[]) => errors.map((e) => e.extensions.code);

const guildComposition = (consentSdl?: string) => {
  const sdls = subgraphSdls(consentSdl);
  return composeWithGuild(SUBGRAPHS.map((name) => ({ name, url: `http://${name}.invalid/graphql`, typeDefs: parse(sdls[name]) })));
};

/** The committed consent SDL with one AST edit applied: a breaking change someone might make. */
function consentSdlWith(edit: (node: ASTNode) => ASTNode | null | undefined): string {
  return print(visit(parse(readConsentSdl()), { enter: (node) => edit(node) }));
}

const isField = (node: ASTNode, name: string) => node.kind === Kind.FIELD_DEFINITION && node.name.value === name;

describe('composing the consent subgraph with the graphs that use it', () => {
  it('composes the committed consent SDL with the accounts, ads and messaging fixtures, without errors or hints', () => {
    const result = composeSupergraph();
    expect(result.errors?.map((e) => e.message) ?? []).toEqual([]);
    expect(result.hints?.map((h) => `${h.definition.code}: ${h.message}`)).toEqual([]);
  });

  it('keeps test/fixtures/supergraph.graphql fresh (vitest -u rewrites it after a deliberate change)', async () => {
    const result = composeSupergraph();
    expect(result.supergraphSdl).toContain('join__Graph');
    await expect(supergraphFileText(result.supergraphSdl!)).toMatchFileSnapshot('../fixtures/supergraph.graphql');
  });

  it("agrees with The Guild's independent composer on the public schema clients see", () => {
    const apollo = composeSupergraph();
    const guild = guildComposition();
    expect(guild.errors?.map((e) => e.message) ?? []).toEqual([]);
    const normalized = (sdl: string) => printSchema(lexicographicSortSchema(buildSchema(sdl)));
    expect(normalized(guild.publicSdl!)).toBe(normalized(printSchema(apollo.schema!.toAPISchema().toGraphQLJSSchema())));
  });

  const breakingChanges: [string, (node: ASTNode) => ASTNode | null | undefined, string][] = [
    ['removing User.dataSharingPurposes', (node) => (isField(node, 'dataSharingPurposes') ? null : undefined), 'EXTERNAL_MISSING_ON_BASE'],
    [
      'changing DataSharingPurpose.allowed to String',
      (node) =>
        isField(node, 'allowed') && node.kind === Kind.FIELD_DEFINITION
          ? { ...node, type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'String' } } } }
          : undefined,
      'EXTERNAL_TYPE_MISMATCH',
    ],
    [
      'renaming Purpose.key',
      (node) => (isField(node, 'key') ? { ...node, name: { kind: Kind.NAME, value: 'id' } } : undefined),
      'EXTERNAL_MISSING_ON_BASE',
    ],
    [
      'removing BusinessMessagingPreference.marketing',
      (node) => (isField(node, 'marketing') ? null : undefined),
      'EXTERNAL_MISSING_ON_BASE',
    ],
  ];

  it.each(breakingChanges)('fails to compose after %s, with either composer', (_change, edit, code) => {
    const broken = consentSdlWith(edit);
    expect(broken).not.toBe(print(parse(readConsentSdl())));
    const apollo = composeSupergraph({ consentSdl: broken });
    expect(codes(apollo.errors ?? [])).toContain(code);
    expect(guildComposition(broken).errors?.length ?? 0).toBeGreaterThan(0);
  });
});
