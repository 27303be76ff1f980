import 'reflect-metadata';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { generate, loadCodegenConfig } from '@graphql-codegen/cli';
import { graphql, type ObjectTypeDefinitionNode, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildConsentSchema, buildSubgraphSdl } from '../../src/graphql/schema.js';
import { projectRoot } from '../../src/project-root.js';

const read = (file: string) => readFile(path.join(projectRoot, file), 'utf8');

describe('the contract files', () => {
  it('schema/consent.graphql is exactly what the code serves as _service { sdl } (run npm run schema:emit)', async () => {
    expect(await buildSubgraphSdl()).toBe(await read('schema/consent.graphql'));
  });

  it('keeps the names other graphs rely on', async () => {
    const sdl = await read('schema/consent.graphql');
    expect(sdl).toContain('@link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])');
    expect(sdl).toMatch(/type User\s+@key\(fields: "id"\)/);
    for (const field of [
      'consent: Consent!',
      'dataSharingPurposes(',
      'dataSubject(',
      'privacyPolicy(',
      'privacyPolicies: [PrivacyPolicy!]!',
      'acceptPrivacyPolicy(input: AcceptPrivacyPolicyInput!): ConsentPayload!',
      'updateConsent(input: UpdateConsentInput!): ConsentPayload!',
      'setBusinessMessagingPreference(input: SetBusinessMessagingPreferenceInput!): ConsentPayload!',
      'publishPrivacyPolicy(input: PublishPrivacyPolicyInput!): PublishPrivacyPolicyPayload!',
    ]) {
      expect(sdl).toContain(field);
    }
  });

  it('lists arguments in the contract order, however many schemas were built and queries ran before', async () => {
    const args = (sdl: string) => {
      const user = parse(sdl).definitions.find((d) => 'name' in d && d.name?.value === 'User') as ObjectTypeDefinitionNode;
      return user.fields?.find((f) => f.name.value === 'dataSharingPurposes')?.arguments?.map((a) => a.name.value);
    };
    const first = await buildSubgraphSdl();
    const schema = await buildConsentSchema(null);
    await graphql({ schema, source: '{ privacyPolicies { version } }' });
    expect(args(first)).toEqual(['recipient', 'purpose', 'dataCategory']);
    expect(await buildSubgraphSdl()).toBe(first);
  });

  it('test/generated/graphql.ts is what codegen.yml produces from the committed SDL (run npm run codegen)', async () => {
    const { config } = await loadCodegenConfig({ configFilePath: path.join(projectRoot, 'codegen.yml') });
    const [output] = await generate({ ...config, cwd: projectRoot, silent: true }, false);
    expect(output?.content).toBe(await read('test/generated/graphql.ts'));
  }, 30_000);
});
