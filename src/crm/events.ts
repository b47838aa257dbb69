/** A verified Bitrix24 outgoing event: its name and the id of the entity it is about (events carry only the id). */
export interface Bitrix24Event {
  event: string;
  entityId: number;
  ts: number | null;
}
