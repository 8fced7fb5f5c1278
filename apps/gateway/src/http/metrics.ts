/**
 * `GET /metrics`: what an operator watches on one gateway, in Prometheus' text format (0.0.4), for
 * a scraper or a glance with curl. Counters live in this process (each gateway is scraped on its
 * own); the queue and workflow gauges are read from Redis at scrape time, so every gateway reports
 * the same cluster-wide figures for them. No client library: the format is a few lines of text.
 */
import { CLIENT_MESSAGE_TYPES, ErrorCodeSchema } from '@wfa/protocol';

/** Upper bounds (seconds) of the message handling histogram: a decision is a few ms. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

export interface GaugeSample {
  labels?: Record<string, string>;
  value: number;
}

export interface Gauge {
  name: string;
  help: string;
  type?: 'gauge' | 'counter';
  samples: GaugeSample[];
}

export class GatewayMetrics {
  private readonly messages = new Map<string, { type: string; outcome: string; n: number }>();
  private readonly handling = new Map<string, Histogram>();
  private delivered = 0;

  /**
   * One client message answered: its type (any name a client made up counts as `unknown`, so
   * the label set stays bounded), `ok` or the error code, and how long it took to answer.
   */
  recordMessage(event: string, outcome: string, seconds: number): void {
    const type = (CLIENT_MESSAGE_TYPES as readonly string[]).includes(event) ? event : 'unknown';
    const code = outcome === 'ok' || ErrorCodeSchema.safeParse(outcome).success ? outcome : 'internal';
    const key = `${type} ${code}`;
    const m = this.messages.get(key);
    if (m) m.n++;
    else this.messages.set(key, { type, outcome: code, n: 1 });
    let h = this.handling.get(type);
    if (!h) this.handling.set(type, (h = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) h.counts[i]!++;
    h.sum += seconds;
    h.count++;
  }

  /** One workflow event sent to one socket. */
  recordDelivered(): void {
    this.delivered++;
  }

  /** The whole exposition: this process' counters, then `gauges` (read by the caller at scrape time). */
  render(gauges: Gauge[]): string {
    const out: string[] = [];
    out.push('# HELP wfa_gateway_messages_total Client messages answered, by type and outcome (ok or the error code).');
    out.push('# TYPE wfa_gateway_messages_total counter');
    for (const m of this.messages.values()) out.push(`wfa_gateway_messages_total${labels({ type: m.type, outcome: m.outcome })} ${m.n}`);
    out.push('# HELP wfa_gateway_message_seconds Time from a client message to its answer, by type.');
    out.push('# TYPE wfa_gateway_message_seconds histogram');
    for (const [type, h] of this.handling) {
      BUCKETS.forEach((le, i) => out.push(`wfa_gateway_message_seconds_bucket${labels({ type, le: String(le) })} ${h.counts[i]}`));
      out.push(`wfa_gateway_message_seconds_bucket${labels({ type, le: '+Inf' })} ${h.count}`);
      out.push(`wfa_gateway_message_seconds_sum${labels({ type })} ${h.sum}`);
      out.push(`wfa_gateway_message_seconds_count${labels({ type })} ${h.count}`);
    }
    out.push('# HELP wfa_gateway_events_delivered_total Workflow events sent to sockets of this gateway (one per socket).');
    out.push('# TYPE wfa_gateway_events_delivered_total counter');
    out.push(`wfa_gateway_events_delivered_total ${this.delivered}`);
    for (const g of gauges) {
      out.push(`# HELP ${g.name} ${g.help}`);
      out.push(`# TYPE ${g.name} ${g.type ?? 'gauge'}`);
      for (const s of g.samples) out.push(`${g.name}${s.labels ? labels(s.labels) : ''} ${s.value}`);
    }
    return `${out.join('\n')}\n`;
  }
}

/** This process: memory, CPU and start time, under the names Prometheus' own clients use. */
export function processGauges(): Gauge[] {
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  return [
    { name: 'process_resident_memory_bytes', help: 'Resident memory size in bytes.', samples: [{ value: mem.rss }] },
    { name: 'nodejs_heap_used_bytes', help: 'V8 heap in use, in bytes.', samples: [{ value: mem.heapUsed }] },
    { name: 'process_cpu_seconds_total', help: 'User and system CPU time spent, in seconds.', type: 'counter', samples: [{ value: (cpu.user + cpu.system) / 1e6 }] },
    { name: 'process_start_time_seconds', help: 'Start time of the process since the Unix epoch, in seconds.', samples: [{ value: Math.round(Date.now() / 1000 - process.uptime()) }] },
  ];
}

function labels(l: Record<string, string>): string {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`);
  return `{${parts.join(',')}}`;
}
