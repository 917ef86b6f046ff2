import { ORDER_EVENT_NAMES, OrderEventKind } from './order-event-ring';

describe('order event kinds', () => {
  test('each kind keeps its number and its name on the orders channel', () => {
    // Read from the parallel object and array before they became one list.
    expect(OrderEventKind).toEqual({ Add: 0, Execute: 1, Cancel: 2, Delete: 3, Replace: 4 });
    expect(ORDER_EVENT_NAMES).toEqual(['add', 'execute', 'cancel', 'delete', 'replace']);
  });
});
