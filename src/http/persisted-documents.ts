/**
 * Operation safelisting: with PERSISTED_DOCUMENTS set, only the documents of
 * that file run. A client names one by id (`documentId`, or the hash of an
 * automatic-persisted-query extension) or sends its exact text; anything
 * else is refused before Apollo parses it. Apollo's own automatic persisted
 * queries stay off, so no client can register a document of its own.
 */
import { RefusedRequest } from '../errors.js';

export interface GraphQLHttpRequest {
  readonly method: string;
  readonly body: unknown;
  readonly search: string;
}

const notSafelisted = (why: string) =>
  new RefusedRequest('OPERATION_NOT_SAFELISTED', `Only persisted documents are served here: ${why}.`, 400);

type Fields = { query?: unknown; documentId?: unknown; extensions?: unknown };

const persistedHash = (extensions: unknown): unknown =>
  (extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery?.sha256Hash;

export function createSafelist(documents: ReadonlyMap<string, string>): (request: GraphQLHttpRequest) => GraphQLHttpRequest {
  const known = new Set(documents.values());

  /** The document to run for these fields, or a refusal. */
  const documentFor = (fields: Fields): string => {
    const id = fields.documentId ?? persistedHash(fields.extensions);
    if (id !== undefined) {
      const document = typeof id === 'string' ? documents.get(id) : undefined;
      if (document === undefined) throw notSafelisted(`no document has the id ${JSON.stringify(id)}`);
      if (fields.query !== undefined && fields.query !== document) throw notSafelisted('the query text is not the document of that id');
      return document;
    }
    if (typeof fields.query === 'string' && known.has(fields.query)) return fields.query;
    throw notSafelisted('send a documentId from the safelist');
  };

  const withoutPersistedQuery = (extensions: unknown) => {
    if (typeof extensions !== 'object' || extensions === null) return undefined;
    const { persistedQuery: _, ...rest } = extensions as Record<string, unknown>;
    return Object.keys(rest).length > 0 ? rest : undefined;
  };

  return (request) => {
    if (request.method === 'GET') {
      const params = new URLSearchParams(request.search);
      let extensions: unknown;
      try {
        extensions = params.has('extensions') ? JSON.parse(params.get('extensions')!) : undefined;
      } catch {
        throw new RefusedRequest('BAD_REQUEST', 'The extensions parameter is not valid JSON.', 400);
      }
      const query = documentFor({ query: params.get('query') ?? undefined, documentId: params.get('documentId') ?? undefined, extensions });
      params.set('query', query);
      params.delete('documentId');
      const rest = withoutPersistedQuery(extensions);
      if (rest) params.set('extensions', JSON.stringify(rest));
      else params.delete('extensions');
      return { ...request, search: `?${params}` };
    }
    if (typeof request.body !== 'object' || request.body === null || Array.isArray(request.body)) {
      throw notSafelisted('send one JSON request naming a documentId');
    }
    const { documentId: _, extensions, ...body } = request.body as Fields & Record<string, unknown>;
    const query = documentFor(request.body as Fields);
    const rest = withoutPersistedQuery(extensions);
    return { ...request, body: rest ? { ...body, query, extensions: rest } : { ...body, query } };
  };
}
