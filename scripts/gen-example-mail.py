#!/usr/bin/python3
"""Writes the made-up student mails of examples/maildir/new/.

Each file is named <arrival unix time>.<n>.example; scripts/example-maildir.sh sets its
modification time from that prefix. Run once; the output is committed.
"""
import email.policy
import os
import sys
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "maildir", "new")
STAFF = "cse585-staff@umich.edu"


def pdf(pages, lines=()):
    """A small real PDF: `pages` pages of Helvetica text, `lines` on the first page, so the
    content checks read it as a course's tools would (pages, text) and not as damaged."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", None,
               "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for number in range(1, pages + 1):
        text = list(lines) if number == 1 else []
        text.append(f"Page {number} of {pages}")
        ops = "".join(f"BT /F1 11 Tf 72 {720 - 16 * i} Td ({line}) Tj ET\n"
                      for i, line in enumerate(text))
        objects.append(f"<< /Length {len(ops)} >>\nstream\n{ops}endstream")
        content = len(objects)
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                       f"/Resources << /Font << /F1 3 0 R >> >> /Contents {content} 0 R >>")
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {pages} >>"
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode()
    return out


PPTX = b"PK\x03\x04 made-up pptx bytes for the example " * 20
DOCX = b"PK\x03\x04 made-up docx bytes for the example " * 12


def at(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def mail(n, arrival, sender, subject, body, attachments=(), html=None, headers=None, sent=None):
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = sender
    msg["To"] = STAFF
    if subject is not None:
        msg["Subject"] = subject
    msg["Date"] = format_datetime(sent or at(arrival))
    msg["Message-ID"] = f"<example-{n:02d}@students.example.edu>"
    for key, value in (headers or {}).items():
        msg[key] = value
    if html is not None and body is None:
        msg.set_content(html, subtype="html")
    else:
        msg.set_content(body)
        if html is not None:
            msg.add_alternative(html, subtype="html")
    for name, data, ctype in attachments:
        if ctype == "message/rfc822":
            msg.add_attachment(data)
            continue
        maintype, subtype = ctype.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    stamp = int(at(arrival).timestamp())
    path = os.path.join(OUT, f"{stamp}.{n:02d}.example")
    with open(path, "wb") as out:
        out.write(msg.as_bytes())


def forwarded_summary():
    inner = EmailMessage(policy=email.policy.SMTP)
    inner["From"] = "Oren Kowalczyk <okowal@students.example.edu>"
    inner["To"] = "pndiaye@students.example.edu"
    inner["Subject"] = "summary for Sep 23 (final)"
    inner["Date"] = format_datetime(at("2025-09-24T13:40:00Z"))
    inner.set_content("Final version attached, please send it to staff.\n")
    inner.add_attachment(pdf(3, ["Oobleck and Tenplex: a summary (Group 5)"]), maintype="application",
                         subtype="pdf", filename="Group5_Summary_Oobleck_Tenplex.pdf")
    return inner


def main():
    os.makedirs(OUT, exist_ok=True)
    for name in os.listdir(OUT):
        os.remove(os.path.join(OUT, name))
    pptx = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    mail(1, "2025-09-14T20:12:00Z", "Dmitri Halvorsen <dhalv@students.example.edu>",
         "Slides for Sep 16 (Group 2)", "Hi all,\n\nAttached are our slides for Tuesday.\n\nDmitri\n",
         [("Group2_Alpa_PartIR.pdf", pdf(14, ["Alpa and PartIR (Group 2)"]), "application/pdf")])
    mail(2, "2025-09-17T18:00:00Z", "Greta Moreau <gmoreau@students.example.edu>",
         "Summary - Alpa & PartIR",
         "Dear staff,\n\nHere is our summary:\nhttps://docs.google.com/document/d/1AbCdEfGhIjKlMnOp/edit?usp=sharing\n\nGreta\n")
    mail(3, "2025-09-16T03:00:00Z", "Hiro Castellanos <hcastel@students.example.edu>",
         "our deck for Thursday",
         "Hello,\n\nOur Google Slides for Thursday's class are here:\n"
         "https://docs.google.com/presentation/d/1XyZ-made-up-deck/edit\n\nThanks,\nHiro\n")
    mail(4, "2025-09-19T03:59:59Z", "Avery Lindqvist <averyl@students.example.edu>",
         "Group 1 project proposal", "Please find our draft proposal attached.\n",
         [("group1-proposal.pdf", pdf(2, ["Project proposal, Group 1",
                                            "Avery Lindqvist, averyl@students.example.edu",
                                            "Bruno Okafor, bokafor@students.example.edu",
                                            "Chiara Vance, cvance@students.example.edu"]),
           "application/pdf")])
    mail(5, "2025-09-19T04:00:01Z", "Jonah Petrov <jpetrov@students.example.edu>",
         "Proposal (Group 4)", "Sorry this is a little late. Proposal attached.\n",
         [("Proposal_G4.docx", DOCX, docx)])
    mail(6, "2025-09-20T10:00:00Z", "Kalani Brooks <kbrooks@students.example.edu>",
         "Automatic reply: Proposal (Group 4)",
         "I am away until Monday with limited access to email.\n",
         headers={"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"})
    mail(7, "2025-09-21T09:00:00Z", "Sam Visitor <sam.visitor@elsewhere.example.org>",
         "Slides for Sep 23", "Hi, I'm auditing; here are some slides.\n",
         [("slides.pdf", pdf(6, ["Some slides"]), "application/pdf")])
    mail(8, "2025-09-10T15:00:00Z", "Priya Ndiaye <pndiaye@students.example.edu>",
         "Question about the proposal",
         "Hi,\n\nCan we use 3 pages for the proposal if the references run long?\n\nPriya\n")
    mail(9, "2025-10-05T12:00:00Z", "Farid Nasser <fnasser@students.example.edu>",
         "Slides for Oct 7", "Our slides are attached.\n",
         [("DistServe_SarathiServe.pdf", pdf(16, ["DistServe and Sarathi-Serve (Group 3)"]),
           "application/pdf")])
    mail(10, "2025-12-15T18:00:00Z", "Bruno Okafor <bokafor@students.example.edu>",
         "Final report - Group 1",
         "Dear staff,\n\nOur final report is attached. The code is at\nhttps://github.com/example-group1/cse585-project\n(see its README).\n\nBruno\n",
         [("Group1_Final_Report.pdf", pdf(8, ["Final report, Group 1",
                                                "https://github.com/example-group1/cse585-project"]),
           "application/pdf")])
    mail(11, "2025-09-19T12:00:00Z", "Lior Benedetti <lbenedet@students.example.edu>",
         "Paper summary for Sep 18", None,
         html='<html><body><p>Hello staff,</p><p>Our summary is in '
              '<a href="https://docs.google.com/document/d/1SuMmArY-g4/edit">this Google Doc</a>.</p>'
              '<p>Lior</p></body></html>')
    mail(12, "2025-11-03T15:31:00Z", "Ines Abara <iabara@students.example.edu>",
         "slides for November 4th", "Attached. Sorry for the slight delay!\n",
         [("andes.pptx", PPTX, pptx)])
    mail(13, "2025-09-10T16:00:00Z", "Chiara Vance <cvance@students.example.edu>",
         "Re: Receipt: slides for Thu Sep 11 (Group 1)", "Thanks!\n",
         headers={"In-Reply-To": "<r1.abc@mailroom.cse585-f25.invalid>"})
    mail(14, "2025-10-07T22:15:00Z", "Esme Takahashi <ESME.Takahashi@GMAIL.example.com>",
         None, "\n", [("Group2_NanoFlow_Mooncake_slides.pptx", PPTX, pptx)])
    mail(15, "2025-09-24T15:00:00Z", "Priya Ndiaye <pndiaye@students.example.edu>",
         "Fwd: summary for Sep 23 (final)", "Forwarding Oren's summary for our group.\n",
         [(None, forwarded_summary(), "message/rfc822")])
    mail(16, "2025-09-15T08:00:00Z", "Mail Delivery Subsystem <mailer-daemon@umich.edu>",
         "Delivery Status Notification (Failure)",
         "Your message to nobody@students.example.edu could not be delivered.\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
