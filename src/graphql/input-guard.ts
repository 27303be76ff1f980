/**
 * No string a client sends may carry a NUL character: PostgreSQL cannot
 * store one (its driver error would surface as an internal error) and SQLite
 * would store what PostgreSQL refuses, so both databases refuse it here, as a
 * client error, before anything executes. `_entities` representations are
 * left alone: one bad representation is that entity's error, not the batch's
 * (see federation.ts).
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { getNamedType, type ASTVisitor, type ValidationContext, type VariableDefinitionNode, type TypeNode } from 'graphql';
import { badUserInput, requestError } from '../errors.js';

const REPRESENTATION_SCALAR = '_Any';

const containsNul = (value: unknown): boolean => {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(containsNul);
  if (typeof value === 'object' && value !== null) return Object.values(value).some(containsNul);
  return false;
};

const namedTypeOf = (type: TypeNode): string => (type.kind === 'NamedType' ? type.name.value : namedTypeOf(type.type));

/** Validation rule: string literals in the document. Runs once per distinct document (Apollo caches validation). */
export function NoNulInStringLiteralsRule(context: ValidationContext): ASTVisitor {
  return {
    Argument() {
      const argument = context.getArgument();
      if (argument && getNamedType(argument.type).name === REPRESENTATION_SCALAR) return false;
      return undefined;
    },
    StringValue(node) {
      if (node.value.includes('\u0000'))
        context.reportError(badUserInput('A string literal contains a NUL character, which no input may carry.'));
    },
  };
}

/** Plugin: the request's variables, on every request (they change while the document is cached). */
export function nulFreeVariablesPlugin<T extends object>(): ApolloServerPlugin<T> {
  const guarded = (definition: VariableDefinitionNode) => namedTypeOf(definition.type) !== REPRESENTATION_SCALAR;
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, operation }) {
          const variables = request.variables;
          if (!variables) return;
          for (const definition of operation?.variableDefinitions ?? []) {
            const name = definition.variable.name.value;
            if (guarded(definition) && containsNul(variables[name])) {
              throw requestError('BAD_USER_INPUT', `Variable $${name} contains a NUL character, which no input may carry.`, 400);
            }
          }
        },
      };
    },
  };
}
