"""Labels of the partner flags on the back office's hierarchy page, in Japanese and English."""

from __future__ import annotations

FLAG_MESSAGES: dict[str, tuple[str, str]] = {
    # key: (ja, en)
    "flag.title": ("レジストリの再確認", "Registry re-check"),
    "flag.none": (
        "フラグはありません。毎月の再確認で閉鎖・合併・登録の取消が見つかると、ここに表示されます。",
        "No flags. The monthly re-check shows here a company closed, merged away, or whose "
        "invoice registration was cancelled.",
    ),
    "flag.freeze": (
        "未解除のフラグがある間、ONBOARDING_FREEZE_UNVERIFIED が有効なら、この組織の購入承認は"
        "拒否されます（organization_unverified）。",
        "While a flag is open and ONBOARDING_FREEZE_UNVERIFIED is on, this organization's "
        "purchase authorizations are declined (organization_unverified).",
    ),
    "flag.open": ("未解除", "Open"),
    "flag.cleared": ("解除済み", "Cleared"),
    "flag.registry": ("レジストリ", "Registry"),
    "flag.number": ("番号", "Number"),
    "flag.finding": ("確認結果", "Finding"),
    "flag.registered_name": ("登録上の名称", "Registered name"),
    "flag.registered_address": ("登録上の所在地", "Registered address"),
    "flag.details": ("詳細", "Details"),
    "flag.evidence": ("レジストリの回答", "The registry's answer"),
    "flag.checked_at": ("確認日時", "Checked"),
    "flag.raised_at": ("フラグの日時", "Flagged"),
    "flag.cleared_by": ("解除した人", "Cleared by"),
    "flag.reason": ("理由", "Reason"),
    "flag.clear": ("フラグを解除", "Clear the flag"),
    "flag.reason_problem": (
        "解除の理由を 1〜500 文字、1 行で入力してください。",
        "say why, in 1 to 500 characters on one line",
    ),
    "flag.cleared_notice": (
        "フラグを解除しました。誰がなぜ解除したかは下の監査ログにあります。",
        "The flag is cleared; the audit log below says by whom and why.",
    ),
    "flag.status.closed": ("閉鎖（合併による解散を含む）", "Closed (or merged away)"),
    "flag.status.registration_cancelled": (
        "適格請求書発行事業者の登録取消",
        "Invoice registration cancelled",
    ),
    "flag.registry.nta_corporate": ("国税庁 法人番号", "NTA corporate number"),
    "flag.registry.nta_invoice": ("国税庁 適格請求書発行事業者", "NTA invoice registration"),
    "flag.registry.vies": ("VIES（EU の VAT 番号）", "VIES (EU VAT number)"),
}
