"""Labels of information requests, in Japanese and English: the applicant's page and the Sales
console's form and timeline."""

from __future__ import annotations

INFORMATION_MESSAGES: dict[str, tuple[str, str]] = {
    # key: (ja, en)
    "information.title": ("追加の情報のお願い", "Information requested"),
    "information.intro": (
        "ビジネスパートナーのお申し込みについて、営業担当から次のお願いがあります。",
        "About your business partner request, our sales team asks you the following.",
    ),
    "information.reference": ("受付番号", "Your reference"),
    "information.message": ("営業担当からのメッセージ", "Message from our sales team"),
    "information.documents": ("ご提出いただきたい書類", "Documents asked for"),
    "information.due": ("回答期限", "Please answer by"),
    "information.answer": ("回答（Answer）", "Answer"),
    "information.answer_hint": (
        "回答を入力してください。書類は PDF、PNG、JPEG で"
        " 10 ファイル（各 10 MB）まで添付できます。",
        "Write your answer. You may attach up to 10 PDF, PNG or JPEG files of 10 MB each.",
    ),
    "information.files": ("書類（Documents）", "Documents"),
    "information.send": ("送信（Send）", "Send"),
    "information.missing": (
        "回答を入力するか、書類を添付してください。",
        "Please write an answer or attach a document.",
    ),
    "information.sent_title": ("ご回答を受け付けました", "Answer received"),
    "information.sent_text": (
        "ありがとうございました。確認のメールをお送りしました。"
        "期限までは、メールのリンクから追加でご回答いただけます。",
        "Thank you. We have sent you a confirmation email. Until the due date you may "
        "answer again with the link in our email.",
    ),
    "information.files_received": ("受け付けた書類", "Documents received"),
    "information.unusable_title": ("このリンクは使えません", "This link cannot be used"),
    "information.unusable_text": (
        "リンクが正しくないか、お願いが締め切られたか、回答期限を過ぎています。"
        "ご不明な点は営業担当までお問い合わせください。",
        "The link is wrong, the request has been closed, or its due date has passed. "
        "If in doubt, please contact our sales team.",
    ),
    "document.registration_certificate": (
        "履歴事項全部証明書",
        "Certificate of registered matters (履歴事項全部証明書)",
    ),
    "document.credit_application": ("与信申込書", "Credit application"),
    "document.bank_reference": ("銀行照会書", "Bank reference"),
    "document.other": ("その他", "Other"),
    "document.too_many": ("ファイルが多すぎます（10 個まで）。", "Too many files (at most 10)."),
    "document.too_large": ("10 MB を超えるファイルがあります。", "A file is larger than 10 MB."),
    "document.empty": ("空のファイルがあります。", "A file is empty."),
    "document.wrong_type": (
        "PDF、PNG、JPEG 以外のファイルがあります（ファイルの中身で判定します）。",
        "A file is not a PDF, PNG or JPEG file (told by its content).",
    ),
    "document.refused": ("このファイルは受け付けられません。", "This file cannot be accepted."),
    "inforeq.ask": ("情報を依頼（Ask for information）", "Ask for information"),
    "inforeq.title": ("情報提供の依頼", "Information requests"),
    "inforeq.message": ("メッセージ（Message）", "Message"),
    "inforeq.documents": ("書類", "Documents"),
    "inforeq.due": ("回答期限", "Due date"),
    "inforeq.send": ("依頼を送る（Send request）", "Send request"),
    "inforeq.due_after_expiry": (
        "回答期限は {last} 以前にしてください（この申込みは翌日に期限切れになります）。",
        "The due date must be {last} or earlier: the onboarding expires the day after.",
    ),
    "inforeq.waiting": ("申込者の回答待ち", "waiting for the applicant"),
    "inforeq.asked_by": ("依頼者", "Asked by"),
    "inforeq.answered_at": ("回答日時", "Answered at"),
    "inforeq.none": ("依頼はありません。", "No requests."),
    "status.information.open": ("回答待ち", "open"),
    "status.information.answered": ("回答あり", "answered"),
    "status.information.closed": ("終了", "closed"),
    "status.information.expired": ("期限切れ", "expired"),
}
