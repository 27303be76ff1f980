/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** Accept the live policy version, optionally with the choices on its acceptance screen. */
export type AcceptPrivacyPolicyInput = {
  /** Choices made while accepting (e.g. the unticked box). */
  choices?: Array<ConsentChoiceInput> | null | undefined;
  /** Makes retries safe: a repeat with the same key returns the first result and records nothing. Unique per user. */
  idempotencyKey?: string | null | undefined;
  /** The version being accepted; it must be the live one. */
  version: string;
};

/** How far a consumer has applied the change feed. */
export type AcknowledgeConsentChangesInput = {
  /** The consumer, e.g. "ads-pipeline": 1 to 64 of a-z 0-9 . _ -. The name belongs to the principal that first uses it. */
  consumer: string;
  /** A cursor consentChanges served: every change up to and including it has been applied. */
  cursor: string;
};

/** What kind of message a business sends. */
export type BusinessMessageCategory =
  /** Product and service updates, offers. */
  | 'MARKETING'
  /** Orders, transactions, appointments, delivery and shipping, flight status, receipts. */
  | 'TRANSACTIONAL';

/** Where an effective choice comes from. More sources (e.g. ADMIN, IMPORT) may be added. */
export type ChoiceSource =
  /** The policy default: the user has not chosen. */
  | 'DEFAULT'
  /** The user’s own explicit choice. */
  | 'USER';

/** How a change was made. More channels (e.g. ADMIN, IMPORT) may be added. */
export type ConsentChannel =
  /** On the policy acceptance screen. */
  | 'ACCEPTANCE'
  /** Later, in the user’s settings. */
  | 'SETTINGS';

/** A choice on one purpose, or on a choice group (then it applies to every member). */
export type ConsentChoiceInput = {
  /** true grants, false withdraws (unticks the box). */
  granted: boolean;
  /** A purpose key ("facebook.ads") or a choice-group key ("facebook.account_sharing"). */
  purpose: string;
};

/** What a ledger event records. */
export type ConsentEventType =
  /** On accepting a newer version, a per-business grant was not carried because business.K changed materially. */
  | 'BUSINESS_GRANT_NOT_CARRIED'
  /** On accepting a newer version, a setting for one business was carried. */
  | 'BUSINESS_PREFERENCE_CARRIED'
  /** A setting for one business changed (newValue "unset": cleared). */
  | 'BUSINESS_PREFERENCE_CHANGED'
  /** On accepting a newer version, a choice was carried to the purpose of the same key. */
  | 'CHOICE_CARRIED'
  /** A choice on a purpose changed. */
  | 'CHOICE_CHANGED'
  /** On accepting a newer version, a grant was not carried because the purpose changed materially; the default applies. */
  | 'GRANT_NOT_CARRIED'
  /** The user accepted a policy version. */
  | 'POLICY_ACCEPTED';

/** Which rule decided a data flow, checked in this order. */
export type DecisionReason =
  /** The user blocked this business: nothing from it. Denied. */
  | 'BUSINESS_BLOCKED'
  /** The user did not choose; the policy default denies it. Denied. */
  | 'DEFAULT_DENIED'
  /** The user did not choose; the policy default grants it. Allowed. */
  | 'DEFAULT_GRANTED'
  /** An essential purpose (control NONE) that continues regardless of choices. Allowed. */
  | 'ESSENTIAL'
  /** The accepted policy has no such purpose, or the purpose does not use this category. Denied. */
  | 'NOT_IN_POLICY'
  /** The user has accepted no policy version. Denied. */
  | 'POLICY_NOT_ACCEPTED'
  /** The policy promises never to share this category with this recipient. Denied. */
  | 'PROHIBITED'
  /** The user explicitly granted it. Allowed. */
  | 'USER_GRANTED'
  /** The user explicitly withdrew or refused it. Denied. */
  | 'USER_WITHDRAWN';

/** Why the controller may process data for a purpose (GDPR Art. 6). */
export type LegalBasis =
  /** The user agreed; they can withdraw. */
  | 'CONSENT'
  /** Needed to perform a contract the user is party to. */
  | 'CONTRACT'
  /** Required by law. */
  | 'LEGAL_OBLIGATION'
  /** The controller’s legitimate interest, balanced against the user’s. */
  | 'LEGITIMATE_INTEREST';

/** Where a version stands now. */
export type PolicyStatus =
  /** The version users accept now. */
  | 'LIVE'
  /** Published; goes live at effectiveAt. */
  | 'SCHEDULED'
  /** Was live; a newer version is. It still governs users who have not re-accepted. */
  | 'SUPERSEDED';

/** A data category never to share, with one recipient or (recipient null) with anyone. */
export type ProhibitionInput = {
  /** The data category, a declared name. */
  dataCategory: string;
  /** The recipient, a declared name; null for everyone. */
  recipient?: string | null | undefined;
};

/** A new, immutable policy version. Publishing is idempotent by version id: repeating an identical publish returns the stored version and stores nothing; the same id with different content is POLICY_VERSION_EXISTS. */
export type PublishPrivacyPolicyInput = {
  /** The declared data categories (at most 100); omitted: the previous version's. Only grows: every earlier name stays. A declared name: lower-case letters, digits and "_", starting with a letter, at most 64 characters. */
  dataCategories?: Array<string> | null | undefined;
  /** When it goes live: now or later (never in the past), at most 5 years ahead, and not the same instant as another version. */
  effectiveAt: string;
  /** What the version promises never to share (at most 100); it must keep every earlier version's prohibitions. */
  prohibitions?: Array<ProhibitionInput> | null | undefined;
  /** The catalog of purposes: 1 to 100. */
  purposes: Array<PurposeInput>;
  /** The declared recipients (at most 100); omitted: the previous version's. Only grows: every earlier name stays. A declared name: lower-case letters, digits and "_", starting with a letter, at most 64 characters. */
  recipients?: Array<string> | null | undefined;
  /** Where the full text is published: an https URL of at most 2048 characters. */
  url?: string | null | undefined;
  /** The new version id: 1 to 64 letters, digits or ". _ -", starting with a letter or digit; it must not exist yet. */
  version: string;
};

/** What the user can do about a purpose. */
export type PurposeControl =
  /** Essential: the user cannot switch it off. */
  | 'NONE'
  /** Object to processing based on legitimate interest. */
  | 'OBJECT'
  /** Grant or withdraw consent. */
  | 'WITHDRAW';

/** A purpose of a new policy version. */
export type PurposeInput = {
  /** Days after acceptance the choice may change, 0 to 3650; 0: at acceptance only; null: any time. */
  changeWindowDays?: number | null | undefined;
  /** Purposes sharing this key are one checkbox. A purpose-style key or a single name, at most 128 characters. */
  choiceGroup?: string | null | undefined;
  /** What the user can do; must fit the legal basis. */
  control: PurposeControl;
  /** Data categories used, each declared in the version's dataCategories. */
  dataCategories: Array<string>;
  /** Whether it applies when the user has not chosen. */
  defaultGranted: boolean;
  /** Description for users, at most 4000 characters. Line breaks and tabs allowed; no other control characters. */
  description: string;
  /** Dotted lower-case key, e.g. "facebook.ads": segments of letters, digits and "_", at most 128 characters. */
  key: string;
  /** Legal basis. */
  legalBasis: LegalBasis;
  /** Recipient, e.g. "facebook". A declared name: lower-case letters, digits and "_", starting with a letter, at most 64 characters. */
  recipient: string;
  /** Short title for users: one line, at most 200 characters, no control characters. */
  title: string;
};

/** Change what one business may send: a category with `allowed`, `blocked`, or both. */
export type SetBusinessMessagingPreferenceInput = {
  /** Whether that category is allowed from this business. */
  allowed?: boolean | null | undefined;
  /** Block (true) or unblock (false) the business entirely. */
  blocked?: boolean | null | undefined;
  /** The business. */
  businessId: string | number;
  /** The category to allow or refuse (with `allowed`). */
  category?: BusinessMessageCategory | null | undefined;
  /** Makes retries safe: a repeat with the same key returns the first result and records nothing. Unique per user. */
  idempotencyKey?: string | null | undefined;
};

/** Change choices under the accepted policy version. */
export type UpdateConsentInput = {
  /** The choices to make; all are applied or none. */
  choices: Array<ConsentChoiceInput>;
  /** Makes retries safe: a repeat with the same key returns the first result and records nothing. Unique per user. */
  idempotencyKey?: string | null | undefined;
};

export type ConsentChangesQueryVariables = Exact<{
  after?: string | null | undefined;
  first?: number | null | undefined;
}>;


export type ConsentChangesQuery = { consentChanges: { edges: Array<{ cursor: string, node: { id: string, userId: string, consentVersion: number, occurredAt: string, event: { type: ConsentEventType, purposeKey: string | null, choiceGroup: string | null, businessId: string | null, setting: string | null, previousValue: string | null, newValue: string, policyVersion: string | null, actor: string, channel: ConsentChannel }, decisions: Array<{ recipient: string, dataCategories: Array<string>, allowed: boolean, reason: DecisionReason, policyVersion: string | null, decidedAt: string | null, changeableUntil: string | null, purpose: { key: string } }>, businessMessaging: { businessId: string, blocked: boolean, transactional: boolean, marketing: boolean } | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type AcknowledgeConsentChangesMutationVariables = Exact<{
  input: AcknowledgeConsentChangesInput;
}>;


export type AcknowledgeConsentChangesMutation = { acknowledgeConsentChanges: { consumer: string | null, cursor: string | null, acknowledgedAt: string | null, userErrors: Array<{ code: string, message: string, field: Array<string> | null, deadline: string | null }> } };

export type PropagationQueryVariables = Exact<{
  id?: string | number | null | undefined;
}>;


export type PropagationQuery = { dataSubject: { id: string, consent: { version: number, propagation: Array<{ consumer: string, upToDate: boolean, acknowledgedAt: string | null }> } } };

export type ConsentStateFragment = { version: number, acceptedAt: string | null, needsReconsent: boolean, policy: { version: string } | null, choices: Array<{ granted: boolean, source: ChoiceSource, decidedAt: string | null, changeableUntil: string | null, carriedFrom: string | null, grantNotCarriedFrom: string | null, purpose: { key: string, choiceGroup: string | null } }> };

export type DecisionFragment = { recipient: string, dataCategories: Array<string>, allowed: boolean, reason: DecisionReason, policyVersion: string | null, decidedAt: string | null, changeableUntil: string | null, purpose: { key: string } };

export type ErrorsFragment = { code: string, message: string, field: Array<string> | null, deadline: string | null };

export type MyConsentQueryVariables = Exact<{ [key: string]: never; }>;


export type MyConsentQuery = { dataSubject: { id: string, consent: { version: number, acceptedAt: string | null, needsReconsent: boolean, policy: { version: string } | null, choices: Array<{ granted: boolean, source: ChoiceSource, decidedAt: string | null, changeableUntil: string | null, carriedFrom: string | null, grantNotCarriedFrom: string | null, purpose: { key: string, choiceGroup: string | null } }> }, dataSharingPurposes: Array<{ recipient: string, dataCategories: Array<string>, allowed: boolean, reason: DecisionReason, policyVersion: string | null, decidedAt: string | null, changeableUntil: string | null, purpose: { key: string } }> } };

export type SubjectConsentQueryVariables = Exact<{
  id?: string | number | null | undefined;
}>;


export type SubjectConsentQuery = { dataSubject: { id: string, consent: { version: number, acceptedAt: string | null, needsReconsent: boolean, policy: { version: string } | null, choices: Array<{ granted: boolean, source: ChoiceSource, decidedAt: string | null, changeableUntil: string | null, carriedFrom: string | null, grantNotCarriedFrom: string | null, purpose: { key: string, choiceGroup: string | null } }> } } };

export type DecisionsQueryVariables = Exact<{
  recipient?: string | null | undefined;
  purpose?: string | null | undefined;
  dataCategory?: string | null | undefined;
}>;


export type DecisionsQuery = { dataSubject: { id: string, all: Array<{ recipient: string, dataCategories: Array<string>, allowed: boolean, reason: DecisionReason, policyVersion: string | null, decidedAt: string | null, changeableUntil: string | null, purpose: { key: string } }>, filtered: Array<{ recipient: string, dataCategories: Array<string>, allowed: boolean, reason: DecisionReason, policyVersion: string | null, decidedAt: string | null, changeableUntil: string | null, purpose: { key: string } }> } };

export type SharingDecisionQueryVariables = Exact<{
  recipient: string;
  dataCategory: string;
  purpose?: string | null | undefined;
}>;


export type SharingDecisionQuery = { dataSubject: { id: string, dataSharingDecision: { allowed: boolean, reason: DecisionReason, policyVersion: string | null, purpose: { key: string } | null } } };

export type BusinessMessagingQueryVariables = Exact<{
  businessId?: string | number | null | undefined;
}>;


export type BusinessMessagingQuery = { dataSubject: { id: string, consent: { version: number, businessMessaging: Array<{ businessId: string, blocked: boolean, transactional: boolean, transactionalReason: DecisionReason, marketing: boolean, marketingReason: DecisionReason, updatedAt: string | null }> } } };

export type HistoryQueryVariables = Exact<{
  id?: string | number | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type HistoryQuery = { dataSubject: { id: string, consent: { version: number, history: { edges: Array<{ cursor: string, node: { id: string, type: ConsentEventType, purposeKey: string | null, choiceGroup: string | null, businessId: string | null, setting: string | null, previousValue: string | null, newValue: string, carriedFrom: string | null, policyVersion: string | null, actor: string, channel: ConsentChannel, occurredAt: string, requestId: string, idempotencyKey: string | null, consentVersion: number } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } } } };

export type PoliciesQueryVariables = Exact<{ [key: string]: never; }>;


export type PoliciesQuery = { privacyPolicy: { version: string, status: PolicyStatus } | null, privacyPolicies: Array<{ version: string, status: PolicyStatus, publishedAt: string, effectiveAt: string, recipients: Array<string>, dataCategories: Array<string>, purposes: Array<{ key: string, defaultGranted: boolean, changeWindowDays: number | null, choiceGroup: string | null, control: PurposeControl }>, prohibitions: Array<{ recipient: string | null, dataCategory: string }> }> };

export type AcceptPolicyMutationVariables = Exact<{
  input: AcceptPrivacyPolicyInput;
}>;


export type AcceptPolicyMutation = { acceptPrivacyPolicy: { consentVersion: number | null, replayed: boolean, consent: { version: number, acceptedAt: string | null, needsReconsent: boolean, policy: { version: string } | null, choices: Array<{ granted: boolean, source: ChoiceSource, decidedAt: string | null, changeableUntil: string | null, carriedFrom: string | null, grantNotCarriedFrom: string | null, purpose: { key: string, choiceGroup: string | null } }> } | null, userErrors: Array<{ code: string, message: string, field: Array<string> | null, deadline: string | null }> } };

export type UpdateConsentMutationVariables = Exact<{
  input: UpdateConsentInput;
}>;


export type UpdateConsentMutation = { updateConsent: { consentVersion: number | null, replayed: boolean, consent: { version: number, acceptedAt: string | null, needsReconsent: boolean, policy: { version: string } | null, choices: Array<{ granted: boolean, source: ChoiceSource, decidedAt: string | null, changeableUntil: string | null, carriedFrom: string | null, grantNotCarriedFrom: string | null, purpose: { key: string, choiceGroup: string | null } }> } | null, userErrors: Array<{ code: string, message: string, field: Array<string> | null, deadline: string | null }> } };

export type SetBusinessPreferenceMutationVariables = Exact<{
  input: SetBusinessMessagingPreferenceInput;
}>;


export type SetBusinessPreferenceMutation = { setBusinessMessagingPreference: { consentVersion: number | null, replayed: boolean, consent: { version: number, businessMessaging: Array<{ businessId: string, blocked: boolean, transactional: boolean, marketing: boolean }> } | null, userErrors: Array<{ code: string, message: string, field: Array<string> | null, deadline: string | null }> } };

export type PublishPolicyMutationVariables = Exact<{
  input: PublishPrivacyPolicyInput;
}>;


export type PublishPolicyMutation = { publishPrivacyPolicy: { policy: { version: string, status: PolicyStatus, effectiveAt: string, recipients: Array<string>, dataCategories: Array<string> } | null, userErrors: Array<{ code: string, message: string, field: Array<string> | null, deadline: string | null }> } };

export const ConsentStateFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ConsentState"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Consent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"acceptedAt"}},{"kind":"Field","name":{"kind":"Name","value":"needsReconsent"}},{"kind":"Field","name":{"kind":"Name","value":"policy"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"version"}}]}},{"kind":"Field","name":{"kind":"Name","value":"choices"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"purpose"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"choiceGroup"}}]}},{"kind":"Field","name":{"kind":"Name","value":"granted"}},{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"decidedAt"}},{"kind":"Field","name":{"kind":"Name","value":"changeableUntil"}},{"kind":"Field","name":{"kind":"Name","value":"carriedFrom"}},{"kind":"Field","name":{"kind":"Name","value":"grantNotCarriedFrom"}}]}}]}}]} as unknown as DocumentNode<ConsentStateFragment, unknown>;
export const DecisionFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"Decision"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"DataSharingPurpose"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"purpose"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}}]}},{"kind":"Field","name":{"kind":"Name","value":"recipient"}},{"kind":"Field","name":{"kind":"Name","value":"dataCategories"}},{"kind":"Field","name":{"kind":"Name","value":"allowed"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"policyVersion"}},{"kind":"Field","name":{"kind":"Name","value":"decidedAt"}},{"kind":"Field","name":{"kind":"Name","value":"changeableUntil"}}]}}]} as unknown as DocumentNode<DecisionFragment, unknown>;
export const ErrorsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"Errors"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"deadline"}}]}}]} as unknown as DocumentNode<ErrorsFragment, unknown>;
export const ConsentChangesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ConsentChanges"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"consentChanges"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"userId"}},{"kind":"Field","name":{"kind":"Name","value":"consentVersion"}},{"kind":"Field","name":{"kind":"Name","value":"occurredAt"}},{"kind":"Field","name":{"kind":"Name","value":"event"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"purposeKey"}},{"kind":"Field","name":{"kind":"Name","value":"choiceGroup"}},{"kind":"Field","name":{"kind":"Name","value":"businessId"}},{"kind":"Field","name":{"kind":"Name","value":"setting"}},{"kind":"Field","name":{"kind":"Name","value":"previousValue"}},{"kind":"Field","name":{"kind":"Name","value":"newValue"}},{"kind":"Field","name":{"kind":"Name","value":"policyVersion"}},{"kind":"Field","name":{"kind":"Name","value":"actor"}},{"kind":"Field","name":{"kind":"Name","value":"channel"}}]}},{"kind":"Field","name":{"kind":"Name","value":"decisions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"Decision"}}]}},{"kind":"Field","name":{"kind":"Name","value":"businessMessaging"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"businessId"}},{"kind":"Field","name":{"kind":"Name","value":"blocked"}},{"kind":"Field","name":{"kind":"Name","value":"transactional"}},{"kind":"Field","name":{"kind":"Name","value":"marketing"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"Decision"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"DataSharingPurpose"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"purpose"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}}]}},{"kind":"Field","name":{"kind":"Name","value":"recipient"}},{"kind":"Field","name":{"kind":"Name","value":"dataCategories"}},{"kind":"Field","name":{"kind":"Name","value":"allowed"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"policyVersion"}},{"kind":"Field","name":{"kind":"Name","value":"decidedAt"}},{"kind":"Field","name":{"kind":"Name","value":"changeableUntil"}}]}}]} as unknown as DocumentNode<ConsentChangesQuery, ConsentChangesQueryVariables>;
export const AcknowledgeConsentChangesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"AcknowledgeConsentChanges"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"AcknowledgeConsentChangesInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"acknowledgeConsentChanges"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"consumer"}},{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"acknowledgedAt"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"Errors"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"Errors"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"deadline"}}]}}]} as unknown as DocumentNode<AcknowledgeConsentChangesMutation, AcknowledgeConsentChangesMutationVariables>;
export const PropagationDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Propagation"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"dataSubject"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"consent"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"propagation"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"consumer"}},{"kind":"Field","name":{"kind":"Name","value":"upToDate"}},{"kind":"Field","name":{"kind":"Name","value":"acknowledgedAt"}}]}}]}}]}}]}}]} as unknown as DocumentNode<PropagationQuery, PropagationQueryVariables>;
export const MyConsentDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"MyConsent"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"dataSubject"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"consent"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConsentState"}}]}},{"kind":"Field","name":{"kind":"Name","value":"dataSharingPurposes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"Decision"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ConsentState"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Consent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"acceptedAt"}},{"kind":"Field","name":{"kind":"Name","value":"needsReconsent"}},{"kind":"Field","name":{"kind":"Name","value":"policy"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"version"}}]}},{"kind":"Field","name":{"kind":"Name","value":"choices"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"purpose"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"choiceGroup"}}]}},{"kind":"Field","name":{"kind":"Name","value":"granted"}},{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"decidedAt"}},{"kind":"Field","name":{"kind":"Name","value":"changeableUntil"}},{"kind":"Field","name":{"kind":"Name","value":"carriedFrom"}},{"kind":"Field","name":{"kind":"Name","value":"grantNotCarriedFrom"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"Decision"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"DataSharingPurpose"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"purpose"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}}]}},{"kind":"Field","name":{"kind":"Name","value":"recipient"}},{"kind":"Field","name":{"kind":"Name","value":"dataCategories"}},{"kind":"Field","name":{"kind":"Name","value":"allowed"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"policyVersion"}},{"kind":"Field","name":{"kind":"Name","value":"decidedAt"}},{"kind":"Field","name":{"kind":"Name","value":"changeableUntil"}}]}}]} as unknown as DocumentNode<MyConsentQuery, MyConsentQueryVariables>;
export const SubjectConsentDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"SubjectConsent"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"dataSubject"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"consent"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConsentState"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ConsentState"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Consent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"acceptedAt"}},{"kind":"Field","name":{"kind":"Name","value":"needsReconsent"}},{"kind":"Field","name":{"kind":"Name","value":"policy"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"version"}}]}},{"kind":"Field","name":{"kind":"Name","value":"choices"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"purpose"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"choiceGroup"}}]}},{"kind":"Field","name":{"kind":"Name","value":"granted"}},{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"decidedAt"}},{"kind":"Field","name":{"kind":"Name","value":"changeableUntil"}},{"kind":"Field","name":{"kind":"Name","value":"carriedFrom"}},{"kind":"Field","name":{"kind":"Name","value":"grantNotCarriedFrom"}}]}}]}}]} as unknown as DocumentNode<SubjectConsentQuery, SubjectConsentQueryVariables>;
export const DecisionsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Decisions"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"recipient"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"purpose"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"dataCategory"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"dataSubject"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","alias":{"kind":"Name","value":"all"},"name":{"kind":"Name","value":"dataSharingPurposes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"Decision"}}]}},{"kind":"Field","alias":{"kind":"Name","value":"filtered"},"name":{"kind":"Name","value":"dataSharingPurposes"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"recipient"},"value":{"kind":"Variable","name":{"kind":"Name","value":"recipient"}}},{"kind":"Argument","name":{"kind":"Name","value":"purpose"},"value":{"kind":"Variable","name":{"kind":"Name","value":"purpose"}}},{"kind":"Argument","name":{"kind":"Name","value":"dataCategory"},"value":{"kind":"Variable","name":{"kind":"Name","value":"dataCategory"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"Decision"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"Decision"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"DataSharingPurpose"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"purpose"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}}]}},{"kind":"Field","name":{"kind":"Name","value":"recipient"}},{"kind":"Field","name":{"kind":"Name","value":"dataCategories"}},{"kind":"Field","name":{"kind":"Name","value":"allowed"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"policyVersion"}},{"kind":"Field","name":{"kind":"Name","value":"decidedAt"}},{"kind":"Field","name":{"kind":"Name","value":"changeableUntil"}}]}}]} as unknown as DocumentNode<DecisionsQuery, DecisionsQueryVariables>;
export const SharingDecisionDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"SharingDecision"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"recipient"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"dataCategory"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"purpose"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"dataSubject"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"dataSharingDecision"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"recipient"},"value":{"kind":"Variable","name":{"kind":"Name","value":"recipient"}}},{"kind":"Argument","name":{"kind":"Name","value":"dataCategory"},"value":{"kind":"Variable","name":{"kind":"Name","value":"dataCategory"}}},{"kind":"Argument","name":{"kind":"Name","value":"purpose"},"value":{"kind":"Variable","name":{"kind":"Name","value":"purpose"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"purpose"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}}]}},{"kind":"Field","name":{"kind":"Name","value":"allowed"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"policyVersion"}}]}}]}}]}}]} as unknown as DocumentNode<SharingDecisionQuery, SharingDecisionQueryVariables>;
export const BusinessMessagingDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"BusinessMessaging"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"businessId"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"dataSubject"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"consent"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"businessMessaging"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"businessId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"businessId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"businessId"}},{"kind":"Field","name":{"kind":"Name","value":"blocked"}},{"kind":"Field","name":{"kind":"Name","value":"transactional"}},{"kind":"Field","name":{"kind":"Name","value":"transactionalReason"}},{"kind":"Field","name":{"kind":"Name","value":"marketing"}},{"kind":"Field","name":{"kind":"Name","value":"marketingReason"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}}]}}]}}]}}]} as unknown as DocumentNode<BusinessMessagingQuery, BusinessMessagingQueryVariables>;
export const HistoryDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"History"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"dataSubject"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"consent"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"history"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"purposeKey"}},{"kind":"Field","name":{"kind":"Name","value":"choiceGroup"}},{"kind":"Field","name":{"kind":"Name","value":"businessId"}},{"kind":"Field","name":{"kind":"Name","value":"setting"}},{"kind":"Field","name":{"kind":"Name","value":"previousValue"}},{"kind":"Field","name":{"kind":"Name","value":"newValue"}},{"kind":"Field","name":{"kind":"Name","value":"carriedFrom"}},{"kind":"Field","name":{"kind":"Name","value":"policyVersion"}},{"kind":"Field","name":{"kind":"Name","value":"actor"}},{"kind":"Field","name":{"kind":"Name","value":"channel"}},{"kind":"Field","name":{"kind":"Name","value":"occurredAt"}},{"kind":"Field","name":{"kind":"Name","value":"requestId"}},{"kind":"Field","name":{"kind":"Name","value":"idempotencyKey"}},{"kind":"Field","name":{"kind":"Name","value":"consentVersion"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<HistoryQuery, HistoryQueryVariables>;
export const PoliciesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Policies"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"privacyPolicy"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}},{"kind":"Field","name":{"kind":"Name","value":"privacyPolicies"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"publishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"effectiveAt"}},{"kind":"Field","name":{"kind":"Name","value":"purposes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"defaultGranted"}},{"kind":"Field","name":{"kind":"Name","value":"changeWindowDays"}},{"kind":"Field","name":{"kind":"Name","value":"choiceGroup"}},{"kind":"Field","name":{"kind":"Name","value":"control"}}]}},{"kind":"Field","name":{"kind":"Name","value":"prohibitions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"recipient"}},{"kind":"Field","name":{"kind":"Name","value":"dataCategory"}}]}},{"kind":"Field","name":{"kind":"Name","value":"recipients"}},{"kind":"Field","name":{"kind":"Name","value":"dataCategories"}}]}}]}}]} as unknown as DocumentNode<PoliciesQuery, PoliciesQueryVariables>;
export const AcceptPolicyDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"AcceptPolicy"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"AcceptPrivacyPolicyInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"acceptPrivacyPolicy"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"consentVersion"}},{"kind":"Field","name":{"kind":"Name","value":"replayed"}},{"kind":"Field","name":{"kind":"Name","value":"consent"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConsentState"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"Errors"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ConsentState"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Consent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"acceptedAt"}},{"kind":"Field","name":{"kind":"Name","value":"needsReconsent"}},{"kind":"Field","name":{"kind":"Name","value":"policy"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"version"}}]}},{"kind":"Field","name":{"kind":"Name","value":"choices"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"purpose"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"choiceGroup"}}]}},{"kind":"Field","name":{"kind":"Name","value":"granted"}},{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"decidedAt"}},{"kind":"Field","name":{"kind":"Name","value":"changeableUntil"}},{"kind":"Field","name":{"kind":"Name","value":"carriedFrom"}},{"kind":"Field","name":{"kind":"Name","value":"grantNotCarriedFrom"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"Errors"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"deadline"}}]}}]} as unknown as DocumentNode<AcceptPolicyMutation, AcceptPolicyMutationVariables>;
export const UpdateConsentDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"UpdateConsent"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UpdateConsentInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"updateConsent"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"consentVersion"}},{"kind":"Field","name":{"kind":"Name","value":"replayed"}},{"kind":"Field","name":{"kind":"Name","value":"consent"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConsentState"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"Errors"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ConsentState"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Consent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"acceptedAt"}},{"kind":"Field","name":{"kind":"Name","value":"needsReconsent"}},{"kind":"Field","name":{"kind":"Name","value":"policy"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"version"}}]}},{"kind":"Field","name":{"kind":"Name","value":"choices"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"purpose"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"choiceGroup"}}]}},{"kind":"Field","name":{"kind":"Name","value":"granted"}},{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"decidedAt"}},{"kind":"Field","name":{"kind":"Name","value":"changeableUntil"}},{"kind":"Field","name":{"kind":"Name","value":"carriedFrom"}},{"kind":"Field","name":{"kind":"Name","value":"grantNotCarriedFrom"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"Errors"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"deadline"}}]}}]} as unknown as DocumentNode<UpdateConsentMutation, UpdateConsentMutationVariables>;
export const SetBusinessPreferenceDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SetBusinessPreference"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SetBusinessMessagingPreferenceInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"setBusinessMessagingPreference"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"consentVersion"}},{"kind":"Field","name":{"kind":"Name","value":"replayed"}},{"kind":"Field","name":{"kind":"Name","value":"consent"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"businessMessaging"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"businessId"}},{"kind":"Field","name":{"kind":"Name","value":"blocked"}},{"kind":"Field","name":{"kind":"Name","value":"transactional"}},{"kind":"Field","name":{"kind":"Name","value":"marketing"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"Errors"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"Errors"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"deadline"}}]}}]} as unknown as DocumentNode<SetBusinessPreferenceMutation, SetBusinessPreferenceMutationVariables>;
export const PublishPolicyDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"PublishPolicy"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"PublishPrivacyPolicyInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"publishPrivacyPolicy"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"policy"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"effectiveAt"}},{"kind":"Field","name":{"kind":"Name","value":"recipients"}},{"kind":"Field","name":{"kind":"Name","value":"dataCategories"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"Errors"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"Errors"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"deadline"}}]}}]} as unknown as DocumentNode<PublishPolicyMutation, PublishPolicyMutationVariables>;