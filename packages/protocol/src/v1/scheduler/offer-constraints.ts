/**
 * OfferConstraints (scheduler.proto, Mesos ≥ 1.11): per-role conditions on agent attributes.
 * An agent is offered to a role if ANY group matches, and a group matches if ALL of its
 * attribute constraints hold. Decoding is structural; the master validates (non-empty groups,
 * exactly one selector and one predicate, regex limits) and answers a bad SUBSCRIBE with an
 * ERROR event, not an HTTP error.
 */
import { empty, enumeration, mapOf, message, optional, repeated, required, string, type Infer } from '../../codec/schema.ts';

export const PseudoattributeType = enumeration('AttributeConstraint.Selector.PseudoattributeType', {
  UNKNOWN: 0,
  HOSTNAME: 1,
  REGION: 2,
  ZONE: 3,
});
export type PseudoattributeType = Infer<typeof PseudoattributeType>;

/** Exactly one of the two (a protobuf oneof). */
export const AttributeSelector = message('AttributeConstraint.Selector', {
  pseudoattribute_type: optional(PseudoattributeType),
  attribute_name: optional(string),
});
export type AttributeSelector = Infer<typeof AttributeSelector>;

/**
 * Exactly one predicate (a protobuf oneof). The `non_string_or_*` forms also hold for a
 * non-TEXT attribute; regexes are RE2 full matches.
 */
export const AttributePredicate = message('AttributeConstraint.Predicate', {
  exists: optional(empty),
  not_exists: optional(empty),
  non_string_or_equals_string: optional(message('AttributeConstraint.Predicate.NonStringOrEqualsString', { value: optional(string) })),
  not_equals_string: optional(message('AttributeConstraint.Predicate.NotEqualsString', { value: optional(string) })),
  non_string_or_matches_regex: optional(message('AttributeConstraint.Predicate.NonStringOrMatchesRegex', { regex: optional(string) })),
  not_matches_regex: optional(message('AttributeConstraint.Predicate.NotMatchesRegex', { regex: optional(string) })),
});
export type AttributePredicate = Infer<typeof AttributePredicate>;

export const AttributeConstraint = message('AttributeConstraint', {
  selector: required(AttributeSelector),
  predicate: required(AttributePredicate),
});
export type AttributeConstraint = Infer<typeof AttributeConstraint>;

export const RoleConstraintGroup = message('OfferConstraints.RoleConstraints.Group', {
  attribute_constraints: repeated(AttributeConstraint),
});
export type RoleConstraintGroup = Infer<typeof RoleConstraintGroup>;

export const RoleConstraints = message('OfferConstraints.RoleConstraints', { groups: repeated(RoleConstraintGroup) });
export type RoleConstraints = Infer<typeof RoleConstraints>;

export const OfferConstraints = message('OfferConstraints', { role_constraints: optional(mapOf(RoleConstraints)) });
export type OfferConstraints = Infer<typeof OfferConstraints>;
