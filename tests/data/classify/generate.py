#!/usr/bin/python3
"""Writes the table-driven classification cases: NN-name.eml and cases.csv.

Made-up mails in the styles of several clients, against the F'25 course file and the
made-up roster of examples/cse585-f25. cases.csv holds, per mail, the arrival time
and what mailroom must decide. Run once; the output is committed.
"""
import csv
import email.policy
import os
from datetime import datetime, timezone
from email.message import EmailMessage
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.header import Header
from email.utils import format_datetime

HERE = os.path.dirname(os.path.abspath(__file__))
STAFF = "cse585-staff@umich.edu"
PDF = b"%PDF-1.4\n% made-up\n%%EOF\n"
PPTX_T = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
DOCX_T = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ZIP = b"PK\x05\x06" + b"\0" * 18
CASES = []


def at(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def write(name, msg, arrival, kind, lecture="", group="", verdict="", reply=""):
    path = os.path.join(HERE, name + ".eml")
    data = msg.as_bytes() if hasattr(msg, "as_bytes") else msg
    with open(path, "wb") as out:
        out.write(data)
    CASES.append([name + ".eml", arrival, kind, lecture, group, verdict, reply])


def simple(sender, subject, body, arrival, attachments=(), headers=None, html=None, client=None):
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = sender
    msg["To"] = STAFF
    if subject is not None:
        msg["Subject"] = subject
    msg["Date"] = format_datetime(at(arrival))
    msg["Message-ID"] = f"<{abs(hash((sender, subject, arrival))) % 10**12}@example.test>"
    if client:
        msg[client[0]] = client[1]
    for key, value in (headers or {}).items():
        msg[key] = value
    if body is None:
        msg.set_content(html, subtype="html")
    else:
        msg.set_content(body)
        if html:
            msg.add_alternative(html, subtype="html")
    for filename, data, ctype in attachments:
        maintype, subtype = ctype.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg


G1 = "Avery Lindqvist <averyl@students.example.edu>"
G2 = "Dmitri Halvorsen <dhalv@students.example.edu>"
G3 = "Greta Moreau <gmoreau@students.example.edu>"
G4 = "Jonah Petrov <jpetrov@students.example.edu>"
G5 = "Nadia Forsberg <nforsb@students.example.edu>"
GMAIL = ("X-Mailer", "Gmail")
OUTLOOK = ("X-Mailer", "Microsoft Outlook 16.0")
APPLE = ("X-Mailer", "Apple Mail (2.3774.600.62)")
THUNDERBIRD = ("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.3.0")


def main():
    for name in os.listdir(HERE):
        if name.endswith(".eml"):
            os.remove(os.path.join(HERE, name))
    pdf = lambda n: (n, PDF, "application/pdf")
    pptx = lambda n: (n, b"PK\x03\x04pptx", PPTX_T)
    docx = lambda n: (n, b"PK\x03\x04docx", DOCX_T)

    # --- dates in every common form (slides for Sep 16 are due Mon Sep 15 14:30Z; Group 2 presents)
    write("01-subject-month-day", simple(G2, "Slides for Sep 16", "Attached.\n", "2025-09-14T12:00:00Z", [pdf("deck.pdf")], client=GMAIL),
          "2025-09-14T12:00:00Z", "slides", "2025-09-16", "2", "on-time", "receipt")
    write("02-subject-numeric-date", simple(G2, "Group 2 slides 9/16", "Attached.\n", "2025-09-15T14:30:00Z", [pdf("g2.pdf")], client=OUTLOOK),
          "2025-09-15T14:30:00Z", "slides", "2025-09-16", "2", "on-time", "receipt")
    write("03-subject-ordinal-full-month", simple(G3, "Slides for November 4th", "Here you go.\n", "2025-11-03T15:30:01Z", [pptx("andes.pptx")], client=APPLE),
          "2025-11-03T15:30:01Z", "slides", "2025-11-04", "3", "late", "late-notice")
    write("04-subject-iso-date", simple(G1, "slides 2025-10-07", "Slides attached\n", "2025-10-05T20:00:00Z", [pdf("slides.pdf")], client=THUNDERBIRD),
          "2025-10-05T20:00:00Z", "slides", "2025-10-07", "1", "on-time", "receipt")
    write("05-day-first-date", simple(G4, "Presentation slides - 23 September", "Attached.\n", "2025-09-22T13:00:00Z", [pptx("g4.pptx")], client=GMAIL),
          "2025-09-22T13:00:00Z", "slides", "2025-09-23", "4", "on-time", "receipt")
    # --- weekdays resolved against the group's lectures and the arrival
    write("06-weekday-thursday", simple(G3, "our slides for Thursday", "Link: https://docs.google.com/presentation/d/1abc/edit\n", "2025-09-16T20:00:00Z", client=GMAIL),
          "2025-09-16T20:00:00Z", "slides", "2025-09-18", "3", "on-time", "receipt")
    write("07-weekday-summary-tuesday", simple(G3, "Summary of Tuesday's lecture", "https://docs.google.com/document/d/1sum/edit\n", "2025-09-17T12:00:00Z", client=GMAIL),
          "2025-09-17T12:00:00Z", "summary", "2025-09-16", "3", "on-time", "receipt")
    # --- paper titles and topics
    write("08-paper-title-in-subject", simple(G1, "DistServe and Sarathi-Serve slides", "Attached.\n", "2025-10-06T14:30:00Z", [pdf("talk.pdf")], client=OUTLOOK),
          "2025-10-06T14:30:00Z", "slides", "2025-10-07", "1", "on-time", "receipt")
    write("09-paper-title-summary", simple(G4, "Summary: NanoFlow / Mooncake", "Our summary is attached.\n", "2025-10-10T15:00:00Z", [docx("summary.docx")], client=OUTLOOK),
          "2025-10-10T15:00:00Z", "summary", "2025-10-09", "4", "on-time", "receipt")
    # --- no subject but a telling file name
    write("10-no-subject-filename", simple(G2, None, "\n", "2025-10-07T22:00:00Z", [pptx("Group2_NanoFlow_Mooncake_slides.pptx")], client=APPLE),
          "2025-10-07T22:00:00Z", "slides", "2025-10-09", "2", "on-time", "receipt")
    write("11-empty-subject-filename-date", simple(G5, "", "\n", "2025-09-24T10:00:00Z", [pdf("G5_summary_Sep23.pdf")], client=GMAIL),
          "2025-09-24T10:00:00Z", "summary", "2025-09-23", "5", "on-time", "receipt")
    # --- links only
    write("12-google-slides-link-only", simple(G5, "Group 5 deck", "https://docs.google.com/presentation/d/1g5deck/edit?usp=sharing\n", "2025-09-24T09:00:00Z", client=GMAIL),
          "2025-09-24T09:00:00Z", "slides", "2025-09-25", "5", "on-time", "receipt")
    write("13-google-docs-link-late-summary", simple(G5, "summary for Sep 23", "https://docs.google.com/document/d/1g5sum/edit\n", "2025-09-24T16:00:01Z", client=GMAIL),
          "2025-09-24T16:00:01Z", "summary", "2025-09-23", "5", "late", "late-notice")
    # --- HTML-only mail
    write("14-html-only", simple(G1, "Summary for Sep 25", None, "2025-09-26T10:00:00Z",
                                 html='<p>Our summary: <a href="https://docs.google.com/document/d/1html/edit">doc</a></p>', client=OUTLOOK),
          "2025-09-26T10:00:00Z", "summary", "2025-09-25", "1", "on-time", "receipt")
    # --- forwarded submission (message/rfc822 holding the PDF)
    inner = simple("Oren Kowalczyk <okowal@students.example.edu>", "summary for Sep 23", "final\n", "2025-09-24T13:00:00Z", [pdf("G5_Oobleck_summary.pdf")])
    outer = simple(G5, "Fwd: summary for Sep 23", "Forwarding for the group.\n", "2025-09-24T14:00:00Z", client=GMAIL)
    outer.add_attachment(inner)
    write("15-forwarded-rfc822", outer, "2025-09-24T14:00:00Z", "summary", "2025-09-23", "5", "on-time", "receipt")
    # --- a second roster address, any letter case
    write("16-second-address-uppercase", simple("Esme <ESME.TAKAHASHI@Gmail.Example.com>", "Slides for Oct 9", "attached\n", "2025-10-08T10:00:00Z", [pdf("nanoflow.pdf")], client=APPLE),
          "2025-10-08T10:00:00Z", "slides", "2025-10-09", "2", "on-time", "receipt")
    # --- not submissions
    write("17-question-mentions-proposal", simple(G5, "Question about the proposal", "Can the proposal be 3 pages?\n", "2025-09-10T12:00:00Z", client=GMAIL),
          "2025-09-10T12:00:00Z", "not-a-submission", "", "5", "", "none")
    write("18-reply-to-receipt", simple(G1, "Re: Receipt: slides for Tue Oct 7 (Group 1)", "Thanks!\n", "2025-10-06T15:00:00Z",
                                        headers={"In-Reply-To": "<abc@mailroom.cse585-f25.invalid>"}, client=GMAIL),
          "2025-10-06T15:00:00Z", "not-a-submission", "", "", "", "none")
    write("19-thanks-no-content", simple(G2, "Thank you", "Thanks for the great lecture today.\n", "2025-09-11T18:00:00Z", client=GMAIL),
          "2025-09-11T18:00:00Z", "not-a-submission", "", "2", "", "none")
    # --- needs review
    write("20-not-assigned-lecture", simple(G2, "Slides for Oct 7", "attached\n", "2025-10-05T12:00:00Z", [pdf("distserve.pdf")], client=GMAIL),
          "2025-10-05T12:00:00Z", "needs-review", "2025-10-07", "2", "", "clarify")
    write("21-names-slides-no-file", simple(G4, "Our slides for Sep 23", "Here are our slides.\n", "2025-09-22T12:00:00Z", client=GMAIL),
          "2025-09-22T12:00:00Z", "needs-review", "", "4", "", "clarify")
    write("22-nothing-telling", simple(G3, "hello", "see attached\n", "2025-09-30T12:00:00Z", [("data.bin", b"\0\1\2", "application/octet-stream")], client=GMAIL),
          "2025-09-30T12:00:00Z", "needs-review", "", "3", "", "clarify")
    two_from = simple(G1, "Slides for Oct 7", "attached\n", "2025-10-05T12:00:00Z", [pdf("x.pdf")])
    del two_from["From"]
    two_from["From"] = "averyl@students.example.edu, mallory@evil.example"
    write("23-two-from-mailboxes", two_from, "2025-10-05T12:00:00Z", "needs-review", "", "", "", "none")
    # --- unknown senders, whatever they send
    write("24-unknown-sender-slides", simple("Stranger <stranger@elsewhere.example>", "Slides for Oct 7", "attached\n", "2025-10-05T12:00:00Z", [pdf("s.pdf")]),
          "2025-10-05T12:00:00Z", "unknown-sender", "", "", "", "none")
    write("25-display-name-spoof", simple("Avery Lindqvist <averyl@evil.example>", "Slides for Oct 7", "attached\n", "2025-10-05T12:00:00Z", [pdf("s.pdf")]),
          "2025-10-05T12:00:00Z", "unknown-sender", "", "", "", "none")
    # --- every automation marker, from a roster address
    markers = [
        ("26-auto-submitted", {"Auto-Submitted": "auto-replied"}),
        ("27-precedence-bulk", {"Precedence": "bulk"}),
        ("28-precedence-list", {"Precedence": "list"}),
        ("29-precedence-junk", {"Precedence": "junk"}),
        ("30-list-id", {"List-Id": "<cse585.lists.example.edu>"}),
        ("31-empty-return-path", {"Return-Path": "<>"}),
        ("32-x-autoreply", {"X-Autoreply": "yes"}),
        ("33-x-auto-response-suppress", {"X-Auto-Response-Suppress": "All"}),
        ("34-x-failed-recipients", {"X-Failed-Recipients": "nobody@example.edu"}),
        ("35-apple-vacation", {"X-Apple-Action": "VACATION"}),
    ]
    for name, headers in markers:
        write(name, simple(G4, "Out of office: Slides for Sep 23", "I am away.\n", "2025-09-22T12:00:00Z", [pdf("auto.pdf")], headers=headers),
              "2025-09-22T12:00:00Z", "not-a-submission", "", "", "", "none")
    write("36-mailer-daemon", simple("Mail Delivery System <MAILER-DAEMON@umich.edu>", "Undelivered Mail Returned to Sender", "bounce\n", "2025-09-22T12:00:00Z"),
          "2025-09-22T12:00:00Z", "unknown-sender", "", "", "", "none")
    report = MIMEMultipart("report", report_type="delivery-status")
    report["From"] = G3
    report["To"] = STAFF
    report["Subject"] = "Delivery Status Notification"
    report["Date"] = format_datetime(at("2025-09-22T12:00:00Z"))
    report.attach(MIMEText("Your message could not be delivered.\n"))
    report.attach(MIMEApplication(b"Reporting-MTA: dns; x\n", "delivery-status"))
    write("37-multipart-report", report, "2025-09-22T12:00:00Z", "not-a-submission", "", "", "", "none")
    # --- proposals and final reports (bare date, 13:00:00 inclusive)
    write("38-proposal-last-second", simple(G3, "Group 3 proposal", "attached\n", "2025-09-19T03:59:59Z", [pdf("proposal.pdf")], client=OUTLOOK),
          "2025-09-19T03:59:59Z", "proposal", "", "3", "on-time", "receipt")
    write("39-proposal-one-second-late", simple(G4, "proposal", "attached\n", "2025-09-19T04:00:00Z", [docx("p.docx")], client=GMAIL),
          "2025-09-19T04:00:00Z", "proposal", "", "4", "late", "late-notice")
    write("40-final-report-at-1pm", simple(G1, "Final report", "Code: https://github.com/example/proj\n", "2025-12-15T18:00:00Z", [pdf("final.pdf")], client=THUNDERBIRD),
          "2025-12-15T18:00:00Z", "final-report", "", "1", "on-time", "receipt")
    write("41-final-report-late", simple(G2, "Final project report", "https://github.com/example/g2\n", "2025-12-15T18:00:01Z", [pdf("g2-final.pdf")], client=GMAIL),
          "2025-12-15T18:00:01Z", "final-report", "", "2", "late", "late-notice")
    # --- encoded words and RFC 2231 file names (client styles)
    enc = simple(G4, None, "attached\n", "2025-09-22T11:00:00Z", [], client=OUTLOOK)
    enc["Subject"] = Header("Présentation slides – Sep 23", "utf-8").encode()
    enc.add_attachment(b"PK\x03\x04pptx", maintype="application", subtype="vnd.openxmlformats-officedocument.presentationml.presentation",
                       filename=("utf-8", "", "Gruppe4_Präsentation_slides.pptx"))
    write("42-rfc2047-subject-rfc2231-name", enc, "2025-09-22T11:00:00Z", "slides", "2025-09-23", "4", "on-time", "receipt")
    write("43-summary-after-class-same-day", simple(G2, "Sep 11 summary", "attached\n", "2025-09-11T20:00:00Z", [pdf("sum.pdf")], client=GMAIL),
          "2025-09-11T20:00:00Z", "summary", "2025-09-11", "2", "on-time", "receipt")
    write("44-schedule-infers-lecture", simple(G1, "Group 1 slides", "Attached are our slides.\n", "2025-10-04T12:00:00Z", [pptx("ours.pptx")], client=GMAIL),
          "2025-10-04T12:00:00Z", "slides", "2025-10-07", "1", "on-time", "receipt")

    with open(os.path.join(HERE, "cases.csv"), "w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["file", "received_at", "kind", "lecture", "group", "verdict", "reply"])
        writer.writerows(CASES)


if __name__ == "__main__":
    main()
