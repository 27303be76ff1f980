/**
 * The two calls the pipeline makes to the consent subgraph, with a
 * `consent:read` token: read the change feed (to catch up), and acknowledge
 * how far it has applied it (so `Consent.propagation` can tell users and
 * auditors that the ads pipeline has applied their opt-out).
 */
import type { ConsentChangeMessage } from './consent-change.js';

const CHANGES = /* GraphQL */ `
  query ConsentChanges($after: String, $first: Int) {
    consentChanges(after: $after, first: $first) {
      edges {
        cursor
        node {
          id
          userId
          consentVersion
          occurredAt
          event { type purposeKey choiceGroup businessId setting previousValue newValue policyVersion actor channel }
          decisions { purpose { key } recipient allowed reason }
          businessMessaging { businessId blocked transactional marketing }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

const ACKNOWLEDGE = /* GraphQL */ `
  mutation Acknowledge($input: AcknowledgeConsentChangesInput!) {
    acknowledgeConsentChanges(input: $input) { cursor userErrors { code message } }
  }
`;

interface ChangeNode {
  id: string;
  userId: string;
  consentVersion: number;
  occurredAt: string;
  event: Omit<ConsentChangeMessage, 'id' | 'cursor' | 'userId' | 'consentVersion' | 'occurredAt' | 'decisions' | 'businessMessaging'>;
  decisions: { purpose: { key: string }; recipient: string; allowed: boolean; reason: string }[];
  businessMessaging: ConsentChangeMessage['businessMessaging'];
}

export interface ChangePage {
  readonly changes: ConsentChangeMessage[];
  readonly hasNextPage: boolean;
}

export class ConsentSubgraph {
  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  /** One page of the feed after `after` (from the first change when null), in the stream's flat shape. */
  async changesAfter(after: string | null, first = 200): Promise<ChangePage> {
    const data = await this.call<{
      consentChanges: { edges: { cursor: string; node: ChangeNode }[]; pageInfo: { hasNextPage: boolean } };
    }>(CHANGES, { after, first });
    return {
      changes: data.consentChanges.edges.map(({ cursor, node }) => ({
        id: node.id,
        cursor,
        userId: node.userId,
        consentVersion: node.consentVersion,
        occurredAt: node.occurredAt,
        ...node.event,
        decisions: node.decisions.map((d) => ({ purposeKey: d.purpose.key, recipient: d.recipient, allowed: d.allowed, reason: d.reason })),
        businessMessaging: node.businessMessaging,
      })),
      hasNextPage: data.consentChanges.pageInfo.hasNextPage,
    };
  }

  /** Records that every change up to and including `cursor` has been applied. */
  async acknowledge(consumer: string, cursor: string): Promise<void> {
    const data = await this.call<{ acknowledgeConsentChanges: { userErrors: { code: string; message: string }[] } }>(ACKNOWLEDGE, {
      input: { consumer, cursor },
    });
    const [error] = data.acknowledgeConsentChanges.userErrors;
    if (error) throw new Error(`acknowledgement refused: ${error.code}: ${error.message}`);
  }

  private async call<T>(query: string, variables: Record<string, unknown>): Promise<T> {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T | null; errors?: { message: string; extensions?: { code?: string } }[] };
    if (body.errors?.length || !body.data) {
      const first = body.errors?.[0];
      throw new Error(`consent subgraph answered ${response.status}: ${first?.extensions?.code ?? ''} ${first?.message ?? 'no data'}`);
    }
    return body.data;
  }
}
