"""Labels of the pages in Japanese and English."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request

from starter.common.i18n_accounts import ACCOUNT_MESSAGES
from starter.common.i18n_approvals import APPROVAL_MESSAGES
from starter.common.i18n_buyers import BUYER_MESSAGES
from starter.common.i18n_factors import FACTOR_MESSAGES
from starter.common.i18n_information import INFORMATION_MESSAGES
from starter.common.i18n_partner_flags import FLAG_MESSAGES
from starter.common.i18n_settings import SETTINGS_MESSAGES
from starter.common.i18n_verification import VERIFICATION_MESSAGES

LOCALES = ("ja", "en")

MESSAGES: dict[str, tuple[str, str]] = {
    # key: (ja, en)
    "site.title": ("B2B ストア", "B2B Store"),
    "site.welcome": ("法人のお客様向けストアへようこそ。", "Welcome to our store for businesses."),
    "site.become_partner": ("ビジネスパートナーになる", "Become a business partner"),
    "form.title": ("ビジネスパートナーのお申し込み", "Business partner request"),
    "form.company": ("会社", "Company"),
    "form.contact": ("ご担当者", "Contact"),
    "form.company.name": ("会社名", "Company name"),
    "form.company.website": ("Web サイト", "Website"),
    "form.company.phone": ("会社の電話番号", "Company phone"),
    "form.company.tax_id": ("納税者番号", "Tax id"),
    "form.company.corporate_number": ("法人番号", "Corporate number"),
    "form.company.invoice_registration_number": ("登録番号", "Invoice registration number"),
    "form.company.vat_number": ("VAT番号", "VAT number"),
    "form.company.address.line1": ("住所", "Address"),
    "form.company.address.city": ("市区町村", "City"),
    "form.company.address.postal_code": ("郵便番号", "Postal code"),
    "form.company.address.country": ("国コード (JP など)", "Country code (JP, ...)"),
    "form.contact.first_name": ("名", "First name"),
    "form.contact.last_name": ("姓", "Last name"),
    "form.contact.email": ("メールアドレス", "Email"),
    "form.contact.phone": ("電話番号", "Phone"),
    "form.contact.job_title": ("役職", "Job title"),
    "form.comments": ("ご要望・コメント", "Comments"),
    "form.locale": ("ご連絡の言語", "Language for our emails"),
    "form.required": ("必須", "required"),
    "form.submit": ("申し込む", "Submit request"),
    "form.has_errors": ("入力内容を確認してください。", "Please check the fields below."),
    "form.error_title": ("エラー: ", "Error: "),
    "form.in_progress": (
        "このメールアドレスのお申し込みは手続き中です。受付番号: ",
        "A request for this email is already in progress. Reference: ",
    ),
    "error.missing": ("入力してください。", "Please fill this in."),
    "error.too_long": ("長すぎます。", "This is too long."),
    "error.choice": ("選択肢から選んでください。", "Please pick one of the choices."),
    "error.invalid": ("形式が正しくありません。", "This does not look right."),
    "error.web_address": (
        "Web アドレス（://、www.）は入力できません。",
        "Web addresses (://, www.) cannot be used here.",
    ),
    "error.check_digit": (
        "番号のチェックデジットが正しくありません。",
        "The check digit of this number is wrong.",
    ),
    "error.corporate_number_format": (
        "法人番号は13桁の数字です。",
        "A corporate number is 13 digits.",
    ),
    "error.invoice_number_format": (
        "登録番号は T と13桁の数字です。",
        "An invoice registration number is T and 13 digits.",
    ),
    "error.vat_number_format": (
        "VAT番号は国コード（DE など）で始まる EU の VAT 番号です。",
        "A VAT number is an EU VAT number starting with its country code (DE, ...).",
    ),
    "submitted.title": ("お申し込みを受け付けました", "Request received"),
    "submitted.reference": ("受付番号", "Your reference"),
    "submitted.next": (
        "確認メールをお送りしました。審査の状況は次のリンクで確認できます。",
        "We have sent you a confirmation email. Follow your request here:",
    ),
    "status.title": ("お申し込みの状況", "Status of your request"),
    "status.pending": ("審査中です。", "Under review."),
    "status.qualified": ("審査中です。", "Under review."),
    "status.approved": (
        "承認されました。メールをご確認ください。",
        "Approved. Please check your email.",
    ),
    "status.rejected": ("今回は承認できませんでした。", "We could not approve the request."),
    "status.expired": ("期限切れで終了しました。", "Closed: it expired."),
    "staff.sign_in": ("スタッフ サインイン", "Staff sign-in"),
    "staff.sign_out": ("サインアウト", "Sign out"),
    "nav.language": ("言語", "Language"),
    "nav.staff": ("スタッフ メニュー", "Staff menu"),
    "nav.all_b2b_leads": ("All Commerce B2B leads", "All Commerce B2B leads"),
    "nav.my_open_leads": ("My open leads", "My open leads"),
    "nav.all_prospects": ("All prospects", "All prospects"),
    "lead.contact": ("連絡先", "Contact"),
    "lead.company": ("会社", "Company"),
    "lead.timeline": ("タイムライン", "Timeline"),
    "lead.qualify": ("認定", "Qualify"),
    "lead.disqualify": ("失格", "Disqualify"),
    "opportunity.close_won": ("受注として終了", "Close as won"),
    "opportunity.close_lost": ("失注として終了", "Close as lost"),
    "common.status": ("ステータス", "Status"),
    "common.reason": ("理由", "Reason"),
    "common.none": ("なし", "none"),
    "common.yes": ("はい", "yes"),
    "common.no": ("いいえ", "no"),
    "common.all": ("すべて", "All"),
    "common.filter": ("絞り込む", "Filter"),
    "common.reload": ("再読み込み", "Reload"),
    "common.temporal_run": ("Temporal UI で実行を見る", "View the run in the Temporal UI"),
    "common.processing": ("処理中です…", "Processing..."),
    "hierarchy.title": ("顧客階層", "Customer hierarchy"),
    "hierarchy.members": ("メンバー", "Members"),
    "hierarchy.credit_limit": ("与信限度額", "Credit limit"),
    "hierarchy.last_sign_in": ("最終サインイン", "Last sign-in"),
    "audit.changes": ("変更内容", "Changes"),
    "audit.blocked": ("停止", "Blocked"),
    **ACCOUNT_MESSAGES,
    **BUYER_MESSAGES,
    **APPROVAL_MESSAGES,
    **SETTINGS_MESSAGES,
    **FACTOR_MESSAGES,
    **FLAG_MESSAGES,
    **VERIFICATION_MESSAGES,
    **INFORMATION_MESSAGES,
}


def pick_locale(request: Request) -> str:
    """?lang= wins, then the lang cookie, then the browser's Accept-Language."""
    for candidate in (request.query_params.get("lang"), request.cookies.get("lang")):
        if candidate in LOCALES:
            return candidate
    accept = request.headers.get("accept-language", "")
    return "ja" if accept.lower().startswith("ja") else "en"


def translator(locale: str) -> Callable[[str], str]:
    index = LOCALES.index(locale)

    def t(key: str) -> str:
        return MESSAGES[key][index]

    return t
