/** An order as the emulated Partners API returns it: the fields posted, plus server fields. */
export interface Order {
  /** Server-assigned id, `ord_1`, `ord_2`, … per emulator instance. */
  readonly id: string;
  /** Always `received` in the emulator. */
  readonly status: 'received';
  /** The patient the order is for. */
  readonly patient_id: string;
  /** The prescription being ordered. */
  readonly medication_request_id: string;
  /** Where to ship. */
  readonly shipping_address: Readonly<Record<string, unknown>>;
  /** Creation time (ISO 8601, emulator clock). */
  readonly created_at: string;
  /** Any other field the caller posted, echoed back. */
  readonly [field: string]: unknown;
}

/** The orders of one emulator instance. */
export class OrderStore {
  readonly #orders = new Map<string, Order>();
  #sequence = 0;

  /** Stores an order built from validated input and returns it. */
  create(
    input: Record<string, unknown> & {
      patient_id: string;
      medication_request_id: string;
      shipping_address: Record<string, unknown>;
    },
    nowMs: number,
  ): Order {
    this.#sequence += 1;
    const order: Order = {
      ...input,
      id: `ord_${this.#sequence}`,
      status: 'received',
      created_at: new Date(nowMs).toISOString(),
    };
    this.#orders.set(order.id, order);
    return order;
  }

  /** The order with this id, if any. */
  get(id: string): Order | undefined {
    return this.#orders.get(id);
  }

  /** All orders, oldest first. */
  list(): Order[] {
    return [...this.#orders.values()];
  }

  /** Forgets every order and restarts the id sequence. */
  clear(): void {
    this.#orders.clear();
    this.#sequence = 0;
  }
}
