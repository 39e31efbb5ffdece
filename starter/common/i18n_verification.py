"""Labels of the company verification on the Sales console's lead page, in Japanese and
English."""

from __future__ import annotations

VERIFICATION_MESSAGES: dict[str, tuple[str, str]] = {
    # key: (ja, en)
    "verification.title": ("会社の確認", "Company verification"),
    "verification.status": ("確認結果", "Verification status"),
    "verification.checked_at": ("確認日時", "Checked at"),
    "verification.verified": ("確認済み", "Verified"),
    "verification.mismatch": ("不一致", "Mismatch"),
    "verification.not_found": ("登録なし", "Not found"),
    "verification.closed": ("閉鎖", "Closed"),
    "verification.registration_cancelled": ("登録取消", "Registration cancelled"),
    "verification.pending": ("確認待ち", "Pending"),
    "verification.not_given": ("番号の入力なし", "No identifier given"),
    "verification.pending_text": (
        "照会先がまだ応答していません。自動で再試行します。判断を妨げるものではありません。",
        "A registry has not answered yet; it is asked again automatically. This does not "
        "hold a decision.",
    ),
    "verification.registry": ("照会先", "Registry"),
    "verification.nta_corporate": ("国税庁 法人番号", "NTA corporate number"),
    "verification.nta_invoice": ("国税庁 適格請求書発行事業者", "NTA invoice registration"),
    "verification.vies": ("EU VIES", "EU VIES"),
    "verification.number": ("番号", "Number"),
    "verification.result": ("結果", "Result"),
    "verification.typed": ("入力された値", "As typed"),
    "verification.registered": ("登録されている値", "As registered"),
    "verification.name": ("名称", "Name"),
    "verification.address": ("所在地", "Address"),
    "verification.details": ("詳細", "Details"),
    "verification.confirm": (
        "会社の確認結果を確認したうえで認定します",
        "I have seen the company verification's result and qualify the lead anyway",
    ),
}
