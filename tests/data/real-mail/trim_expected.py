#!/usr/bin/env python3
"""Write expected-attachments.tsv from the corpus's expected.json for the copied messages.

Usage: python3 trim_expected.py   (run in this folder; reads expected.json, writes the TSV)

The C++ conformance test reads the TSV (the unit tests link no JSON library).
Lines:
  message    FILE READING COUNT AUTOMATED
  reasons    FILE REASON|REASON...   (automated_reasons and other_automation_hints)
  text       FILE TEXT               (first_text_plain, first 200 characters, escaped)
  attachment FILE READING INDEX PATH CONTENT_TYPE SIZE SHA256 NAME_EXACT FILENAME
READING is "default" (policy.default) or "compat32" (where Python's two readings
differ, expected.json's compat32_reading). SIZE is "-" when Python exposes no
bytes. NAME_EXACT is 0 when Python's name was lossy (raw 8-bit bytes) and the
name is compared with filename_best_effort, leniently.
"""
import json
import os


def esc(s):
    return s.replace('\\', '\\\\').replace('\t', '\\t').replace('\n', '\\n').replace('\r', '\\r')


def rows(name, reading, attachments, automated):
    out = [f'message\t{name}\t{reading}\t{len(attachments)}\t{int(automated)}']
    for i, a in enumerate(attachments):
        lossy = a.get('filename_lossy', False)
        fname = a.get('filename_best_effort') if lossy and a.get('filename_best_effort') else a.get('filename')
        size = '-' if a['size'] is None else str(a['size'])
        sha = '-' if a['sha256'] is None else a['sha256']
        out.append('\t'.join(['attachment', name, reading, str(i), a['path'], a['content_type'], size, sha,
                              '0' if lossy else '1', esc(fname or '')]))
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    data = json.load(open(os.path.join(here, 'expected.json'), encoding='utf-8'))
    present = set(f for f in os.listdir(here) if f.endswith('.eml'))
    lines = []
    for name, rec in sorted(data['messages'].items()):
        if name not in present:
            continue
        lines += rows(name, 'default', rec['attachments'], rec['automated'])
        hints = rec['automated_reasons'] + rec['other_automation_hints']
        lines.append(f'reasons\t{name}\t' + '|'.join(hints))
        if rec['first_text_plain'] is not None:
            lines.append(f'text\t{name}\t' + esc(rec['first_text_plain']['text']))
        if 'compat32_reading' in rec:
            lines += rows(name, 'compat32', rec['compat32_reading']['attachments'], rec['automated'])
    with open(os.path.join(here, 'expected-attachments.tsv'), 'w', encoding='utf-8', newline='\n') as fh:
        fh.write('\n'.join(lines) + '\n')


if __name__ == '__main__':
    main()
