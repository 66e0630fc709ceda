/** IDs may be given as bare strings or as the wire's `{ value }` messages. */
export type IdLike = string | { readonly value: string };

export const idValue = (id: IdLike): string => (typeof id === 'string' ? id : id.value);
export const toId = (id: IdLike): { value: string } => ({ value: idValue(id) });
