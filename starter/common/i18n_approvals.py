"""Labels of the approvals page, where approvers, admins and their delegates decide orders
that need approval and delegate their own, in Japanese and English."""

from __future__ import annotations

APPROVAL_MESSAGES: dict[str, tuple[str, str]] = {
    # key: (ja, en)
    "approvals.title": ("注文の承認", "Approvals"),
    "approvals.intro": (
        "承認が必要な注文のうち、あなたが承認または却下できるものです。",
        "Orders that need approval and that you may approve or decline.",
    ),
    "approvals.buyer": ("購入者", "Buyer"),
    "approvals.reason": ("理由", "Reason"),
    "approvals.as": ("あなたの立場", "You decide as"),
    "approvals.as.admin": ("管理者", "Admin"),
    "approvals.as.approver": ("承認者", "Approver"),
    "approvals.as.delegate": ("代理", "Delegate"),
    "approvals.reason.over_spending_limit": ("1回あたりの上限を超過", "Over the per-order limit"),
    "approvals.reason.over_monthly_budget": ("月間予算を超過", "Over the monthly budget"),
    "approvals.reason.over_approval_threshold": (
        "承認基準額を超過",
        "Above the approval threshold",
    ),
    "approvals.none": ("承認待ちの注文はありません。", "No order is waiting for you."),
    "approvals.done.approved": ("注文を承認しました。", "The order is approved."),
    "approvals.done.declined": ("注文を却下しました。", "The order is declined."),
    "approvals.done.delegated": ("代理を依頼しました。", "Your approvals are delegated."),
    "approvals.done.ended": ("代理を終了しました。", "Your delegation has ended."),
    "approvals.decided": (
        "この注文はすでに承認・却下されたか、期限切れです。何も変更していません。",
        "This order was already decided, or its time ran out. Nothing was changed.",
    ),
    "approvals.not_yours": (
        "この注文を承認・却下する権限がありません。",
        "You may not decide this order.",
    ),
    "approvals.back": ("承認待ちの注文に戻る", "Back to the approvals"),
    "approvals.delegation": ("不在時の代理", "Delegation while you are away"),
    "approvals.delegation_text": (
        "指定した日の終わりまで、あなた宛ての承認依頼のメールは代理人に届き、代理人はあなたと同じく"
        "承認・却下できます。あなた自身も引き続き承認・却下できます。",
        "Until the end of the day you choose, the approval emails that would reach you go to your"
        " delegate, who may decide what you may. You may still decide too.",
    ),
    "approvals.delegated_to": ("代理人: ", "Delegated to: "),
    "approvals.until_day": ("最終日: ", "until: "),
    "approvals.delegate_to": ("代理人", "Delegate to"),
    "approvals.until": ("最終日 (YYYY-MM-DD)", "Until (YYYY-MM-DD)"),
    "approvals.delegate": ("代理を依頼", "Delegate"),
    "approvals.end_delegation": ("代理を終了", "End delegation"),
    "approvals.no_candidates": (
        "代理を依頼できる承認者・管理者がいません。",
        "There is no other approver or admin to delegate to.",
    ),
    "approvals.no_such_delegate": (
        "組織の有効な承認者または管理者を選んでください。",
        "Choose an active approver or admin of your organization.",
    ),
    "approvals.until_format": (
        "日付を YYYY-MM-DD の形式で入力してください。",
        "Enter a date as YYYY-MM-DD.",
    ),
    "approvals.until_range": (
        "今日から1年以内の日付を入力してください。",
        "Enter a date from today to a year from now.",
    ),
    "approvals.link": ("注文の承認", "Approvals"),
}
