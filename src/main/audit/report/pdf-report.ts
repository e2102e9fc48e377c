/**
 * The PDF form of a report, for people: what happened in the range at a glance (counts by
 * decision, agent and connection, a chart, the denials), then every entry, then who signed it
 * and how to check that elsewhere. The machine-checkable proof is the FILE.sig.json beside it.
 */
import PDFDocument from 'pdfkit';
import type { AuditReport, ReportEntry } from './report-format';

const MARGIN = 50;
const INK = '#1f2933';
const MUTED = '#616e7c';
const COLORS: Record<string, string> = { allowed: '#2f855a', denied: '#c53030', error: '#b7791f' };

function countBy(
  entries: readonly ReportEntry[],
  key: (e: ReportEntry) => string,
): [string, number][] {
  const m = new Map<string, number>();
  for (const e of entries) m.set(key(e), (m.get(key(e)) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

const clip = (s: string | null, n: number) =>
  s === null ? '' : s.length > n ? `${s.slice(0, n - 1)}…` : s;

export function renderPdf(report: AuditReport, fileName: string): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    info: { Title: `Airlock audit report ${fileName}`, Author: 'Airlock', Subject: report.format },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) =>
    doc.on('end', () => resolve(Buffer.concat(chunks))),
  );
  const width = doc.page.width - 2 * MARGIN;
  const e = report.entries;

  doc.fillColor(INK).font('Helvetica-Bold').fontSize(20).text('Airlock audit report');
  doc.moveDown(0.3).font('Helvetica').fontSize(10).fillColor(MUTED);
  doc.text(
    `Range: ${report.range.from ?? 'the first entry'} to ${report.range.to ?? 'the last entry'}`,
  );
  doc.text(
    `Entries ${report.range.firstSeq ?? '–'} to ${report.range.lastSeq ?? '–'} (${e.length} shown)`,
  );
  const filters = Object.entries(report.filters).map(([k, v]) => `${k} = ${String(v)}`);
  doc.text(`Filters: ${filters.length ? filters.join(', ') : 'none (every entry of the range)'}`);
  doc.text(
    `Generated ${report.generatedAt}; signed checkpoint at entry ${report.checkpoint.seq} (${report.checkpoint.time})`,
  );

  section(doc, 'Summary');
  const byStatus = countBy(e, (x) => x.status);
  const byDecision = countBy(e, (x) => x.decision ?? '(no decision)');
  table(
    doc,
    ['Status', 'Entries'],
    byStatus.map(([k, n]) => [k, String(n)]),
    [200, 80],
  );
  table(
    doc,
    ['Decision', 'Entries'],
    byDecision.map(([k, n]) => [k, String(n)]),
    [200, 80],
  );
  chart(doc, byStatus, width);
  table(
    doc,
    ['Agent / actor', 'Entries'],
    countBy(e, (x) => x.actor)
      .slice(0, 15)
      .map(([k, n]) => [k, String(n)]),
    [300, 80],
  );
  table(
    doc,
    ['Connection', 'Entries'],
    countBy(e, (x) => x.connection ?? '(none)')
      .slice(0, 15)
      .map(([k, n]) => [k, String(n)]),
    [300, 80],
  );

  const denials = e.filter((x) => x.status === 'denied');
  section(doc, `Denials (${denials.length})`);
  if (denials.length === 0)
    doc.font('Helvetica').fontSize(10).fillColor(INK).text('None in this range.');
  else
    table(
      doc,
      ['#', 'Time', 'Actor', 'Reason'],
      denials
        .slice(0, 200)
        .map((x) => [
          String(x.seq),
          x.time.slice(0, 19),
          clip(x.actor, 24),
          clip(x.reason ?? x.rule, 60),
        ]),
      [40, 110, 120, width - 270],
    );

  doc.addPage();
  section(doc, `Entries (${e.length})`);
  table(
    doc,
    ['#', 'Time', 'Actor', 'Action', 'Status', 'Statement / reason'],
    e.map((x) => [
      String(x.seq),
      x.time.slice(0, 19),
      clip(x.actor, 18),
      clip(x.action, 16),
      x.status,
      clip(x.statement ?? x.reason, 48),
    ]),
    [40, 100, 85, 75, 45, width - 345],
    7,
  );

  doc.addPage();
  section(doc, 'Signature and how to verify');
  doc.font('Helvetica').fontSize(10).fillColor(INK);
  doc.text('Signer (Ed25519) fingerprint, SHA-256 of the public key:');
  doc.font('Courier').fontSize(9).text(report.signer.fingerprint);
  doc.moveDown(0.5).font('Helvetica').fontSize(10);
  doc.text(
    `This PDF is for reading. Its proof is ${fileName}.sig.json beside it: the same entries, a Merkle proof that ` +
      `ties them to the signed checkpoint at entry ${report.checkpoint.seq} (root ${report.checkpoint.treeRoot.slice(0, 16)}…), ` +
      'the SHA-256 of this PDF, and an Ed25519 signature over all of it. To check it on any machine, without the store:',
  );
  doc
    .moveDown(0.5)
    .font('Courier')
    .fontSize(9)
    .text(`airlock audit verify-report ${fileName} --public-key airlock-audit.pem`);
  doc.moveDown(0.5).font('Helvetica').fontSize(10);
  doc.text(
    'Exit 0 means valid (it prints the fingerprint, the range and the number of entries); 1 names the first changed ' +
      'entry or the signature that fails. Get airlock-audit.pem from the officer with `airlock audit public-key` and compare ' +
      'its fingerprint with the one above.',
  );
  doc.moveDown(0.5).text('Public key:');
  doc.font('Courier').fontSize(8).text(report.signer.publicKey);
  doc.end();
  return done;
}

function section(doc: PDFKit.PDFDocument, title: string): void {
  doc.moveDown(1).font('Helvetica-Bold').fontSize(13).fillColor(INK).text(title, MARGIN);
  doc.moveDown(0.3);
}

function table(
  doc: PDFKit.PDFDocument,
  head: string[],
  rows: string[][],
  widths: number[],
  size = 9,
): void {
  const rowH = size + 5;
  const drawRow = (cells: string[], bold: boolean) => {
    if (doc.y + rowH > doc.page.height - MARGIN) doc.addPage();
    const y = doc.y;
    let x = MARGIN;
    doc
      .font(bold ? 'Helvetica-Bold' : 'Helvetica')
      .fontSize(size)
      .fillColor(bold ? MUTED : INK);
    cells.forEach((c, i) => {
      doc.text(c, x, y, { width: widths[i]! - 4, height: rowH, lineBreak: false, ellipsis: true });
      x += widths[i]!;
    });
    doc.x = MARGIN;
    doc.y = y + rowH;
  };
  drawRow(head, true);
  for (const r of rows) drawRow(r, false);
  doc.moveDown(0.6);
}

/** Horizontal bars: entries by status. */
function chart(doc: PDFKit.PDFDocument, counts: [string, number][], width: number): void {
  if (counts.length === 0) return;
  const max = Math.max(...counts.map(([, n]) => n));
  const barMax = width - 160;
  if (doc.y + counts.length * 20 + 20 > doc.page.height - MARGIN) doc.addPage();
  doc.font('Helvetica-Bold').fontSize(9).fillColor(MUTED).text('Entries by status', MARGIN);
  let y = doc.y + 4;
  for (const [k, n] of counts) {
    doc
      .font('Helvetica')
      .fontSize(9)
      .fillColor(INK)
      .text(k, MARGIN, y + 2, { width: 70 });
    doc.rect(MARGIN + 75, y, Math.max(2, (n / max) * barMax), 14).fill(COLORS[k] ?? MUTED);
    doc.fillColor(INK).text(String(n), MARGIN + 80 + Math.max(2, (n / max) * barMax), y + 2);
    y += 20;
  }
  doc.x = MARGIN;
  doc.y = y + 6;
}
