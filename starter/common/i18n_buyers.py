"""Texts of a buyer organization's roles, limits and rules (SPEC.md, "Buyer organizations"):
(Japanese, English)."""

from __future__ import annotations

BUYER_MESSAGES: dict[str, tuple[str, str]] = {
    "users.role": ("役割", "Role"),
    "users.role.admin": ("管理者", "Admin"),
    "users.role.approver": ("承認者", "Approver"),
    "users.role.buyer": ("購買担当者", "Buyer"),
    "users.monthly_budget": ("月間予算", "Monthly budget"),
    "users.budget_left": ("今月の残り予算", "Left of this month's budget"),
    "users.last_admin": (
        "組織の最後の管理者の役割は変えられません。先に別のユーザーを管理者にしてください。",
        "The organization's last admin keeps the role: make another user an admin first.",
    ),
    "users.step_down": ("管理者をやめる", "Step down"),
    "users.step_down_text": (
        "管理者の役割を手放し、購買担当者になります。組織には別の管理者が必要です。",
        "Give up the admin role and become a buyer. The organization needs another admin.",
    ),
    "users.done.step-down": ("管理者をやめました。", "You are a buyer now."),
    "settings.title": ("組織の設定", "Organization settings"),
    "settings.threshold": ("承認の基準額", "Approval threshold"),
    "settings.threshold_hint": (
        "この額を超える注文は、誰が発注しても承認が必要です。空欄: 基準なし。",
        "Every order above this amount needs approval, whoever places it. Empty: none.",
    ),
    "settings.over_credit": (
        "与信限度額を超えています。",
        "It is above the organization's credit limit.",
    ),
    "settings.saved": ("設定を保存しました。", "The settings are saved."),
    "settings.link": ("組織の設定", "Organization settings"),
}
