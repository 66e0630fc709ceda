/** Chronos constraints on an offer: `[attribute, EQUALS|LIKE|UNLIKE, value]`, `hostname` built in. */
import type { Offer } from '@agora/protocol';

function attributeValue(offer: Offer, name: string): string | undefined {
  if (name === 'hostname') return offer.hostname;
  const a = offer.attributes?.find((x) => x.name === name);
  if (!a) return undefined;
  if (a.text) return a.text.value;
  if (a.scalar) return String(a.scalar.value);
  return undefined;
}

export function offerMeets(offer: Offer, constraints: readonly (readonly string[])[]): boolean {
  return constraints.every(([attr, op, value = '']) => {
    const v = attributeValue(offer, attr!);
    if (op === 'EQUALS') return v === value;
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${value})$`);
    } catch {
      return false;
    }
    if (op === 'LIKE') return v !== undefined && re.test(v);
    return v === undefined || !re.test(v); // UNLIKE
  });
}
