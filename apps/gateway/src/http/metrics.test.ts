import { GatewayMetrics } from './metrics';

describe('GatewayMetrics', () => {
  it('renders Prometheus text: counters by type and outcome, a cumulative histogram, and gauges', () => {
    const m = new GatewayMetrics();
    m.recordMessage('WORKFLOW_APPROVAL', 'ok', 0.003);
    m.recordMessage('WORKFLOW_APPROVAL', 'ok', 0.02);
    m.recordMessage('WORKFLOW_APPROVAL', 'conflict', 0.0005);
    m.recordDelivered();
    const text = m.render([{ name: 'wfa_gateway_sockets', help: 'Sockets.', samples: [{ value: 2 }] }]);
    expect(text).toContain('wfa_gateway_messages_total{type="WORKFLOW_APPROVAL",outcome="ok"} 2\n');
    expect(text).toContain('wfa_gateway_messages_total{type="WORKFLOW_APPROVAL",outcome="conflict"} 1\n');
    expect(text).toContain('wfa_gateway_message_seconds_bucket{type="WORKFLOW_APPROVAL",le="0.001"} 1\n');
    expect(text).toContain('wfa_gateway_message_seconds_bucket{type="WORKFLOW_APPROVAL",le="0.005"} 2\n');
    expect(text).toContain('wfa_gateway_message_seconds_bucket{type="WORKFLOW_APPROVAL",le="+Inf"} 3\n');
    expect(text).toContain('wfa_gateway_message_seconds_count{type="WORKFLOW_APPROVAL"} 3\n');
    expect(text).toContain('wfa_gateway_events_delivered_total 1\n');
    expect(text).toContain('# TYPE wfa_gateway_sockets gauge\nwfa_gateway_sockets 2\n');
  });

  it('keeps its label values bounded: a made-up message name or error code is not a new series', () => {
    const m = new GatewayMetrics();
    m.recordMessage('x"}\nevil', 'made_up', 0.001);
    const text = m.render([]);
    expect(text).toContain('wfa_gateway_messages_total{type="unknown",outcome="internal"} 1\n');
    expect(text).not.toContain('evil');
  });
});
