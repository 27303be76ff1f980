/**
 * What one request may ask for, checked before anything executes. The
 * document's shape (aliases, depth, directives, estimated cost) is measured
 * by graphql-armor's validation rules: for signed-in callers as Apollo
 * validation rules, which run once per distinct document (Apollo caches the
 * validated document); anonymous callers, who may only read the public
 * policies, meet tighter limits, checked once per document too (remembered
 * per parsed document). Tokens are bounded while parsing, by graphql-js
 * itself (`maxTokens`), so no limit is paid for by parsing an oversized
 * document first. `_entities` representations are counted per request: they
 * arrive in variables.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLError,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  validate,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { DocumentLimits, RequestLimits } from '../config.js';
import { type RequestErrorCode, requestError } from '../errors.js';

/** graphql-armor reports "Syntax Error: <what>"; the code says which limit, the message by how much. */
const refuseAs =
  (code: RequestErrorCode) =>
  (context: ValidationContext | null, error: GraphQLError): void => {
    context?.reportError(requestError(code, error.message.replace(/^Syntax Error: /, ''), 400));
  };

export function documentLimitRules(limits: DocumentLimits): ValidationRule[] {
  const options = (code: RequestErrorCode) => ({ onReject: [refuseAs(code)], propagateOnRejection: false });
  return [
    maxAliasesRule({ n: limits.aliases, ...options('TOO_MANY_ALIASES') }),
    maxDepthRule({ n: limits.depth, ...options('QUERY_TOO_DEEP') }),
    maxDirectivesRule({ n: limits.directives, ...options('TOO_MANY_DIRECTIVES') }),
    costLimitRule({ maxCost: limits.cost, ...options('QUERY_TOO_COSTLY') }),
  ];
}

/** The `representations` each `_entities` selection of the operation carries, however it is reached. */
function countRepresentations(
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: Readonly<Record<string, unknown>>,
): number {
  const seen = new Set<string>();
  const count = (selectionSet: SelectionSetNode): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value !== '_entities') continue;
        const value = selection.arguments?.find((a) => a.name.value === 'representations')?.value;
        if (value?.kind === Kind.LIST) total += value.values.length;
        else if (value?.kind === Kind.VARIABLE) {
          const given = variables[value.name.value];
          total += Array.isArray(given) ? given.length : 1;
        }
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        total += count(selection.selectionSet);
      } else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) total += count(fragment.selectionSet);
      }
    }
    return total;
  };
  return count(operation.selectionSet);
}

const fragmentsOf = (document: DocumentNode) =>
  new Map(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );

/** The per-request half: representations, and the anonymous limits (once per document). */
export function requestLimitsPlugin<T extends { principal: unknown }>(limits: RequestLimits): ApolloServerPlugin<T> {
  const anonymousRules = documentLimitRules(limits.anonymous);
  const anonymousVerdicts = new WeakMap<DocumentNode, GraphQLError | null>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request, contextValue, schema }) {
          if (!operation) return;
          if (contextValue.principal === null) {
            let verdict = anonymousVerdicts.get(document);
            if (verdict === undefined) {
              verdict = validate(schema, document, anonymousRules)[0] ?? null;
              anonymousVerdicts.set(document, verdict);
            }
            if (verdict !== null) throw verdict;
          }
          if (operation.operation !== 'query') return;
          const representations = countRepresentations(operation, fragmentsOf(document), request.variables ?? {});
          if (representations > limits.representations) {
            throw requestError(
              'TOO_MANY_REPRESENTATIONS',
              `Representations limit of ${limits.representations} exceeded, found ${representations}.`,
              400,
            );
          }
        },
      };
    },
  };
}
