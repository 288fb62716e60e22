/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
//
// Browser tours of the Exact Online set-up: the wizard, the journal "Exact Online" page, the
// deliveries list and the Accounting dashboard card.
//
// The tours also run in Dutch: selectors use field names, button names and CSS classes only,
// never English labels. Values typed in (addresses, IBAN) are language independent.
//
// Every flow exists twice: the test tour, and the same steps with screenshot steps in between
// (the "_screenshots" tours, run by tools/screenshots.py only). A screenshot step logs
// "exact-screenshot {json}" to the console; the Python side captures the element's rectangle
// and sets window.__exactShotDone to the token, which the step waits for.

import { formatDate } from "@web/core/l10n/dates";
import { registry } from "@web/core/registry";

const SALES_MAILBOX = "x55i@verkoop.exactonline.be";
const PURCHASE_MAILBOX = "p9q@inkoop.exactonline.be";
const CASH_MAILBOX = "k4s9@bank.exactonline.be";
const SENDER = "boekhouding@lab.example";
const IBAN = "BE83 1388 1173 5115";

const WIZARD = ".modal .o_exact_setup_wizard";
const SALE_ROW = `${WIZARD} .o_exact_sale_lines .o_data_row:first`;
const CASH_ROW = `${WIZARD} .o_exact_cash_lines .o_data_row:first`;
const CODA_ROW = `${WIZARD} .o_exact_coda_lines .o_data_row:first`;
const NEXT = ".modal-footer button.o_exact_next";

function delay(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A step that asks the Python side for a screenshot of `selector` and waits for it.
 * `until`: crop the height at the bottom of that element (e.g. a short list on a tall page).
 */
function screenshotStep(name, selector, { pad = 0, until = null } = {}) {
    return {
        content: `screenshot ${name}`,
        trigger: selector,
        async run() {
            // tooltips opened by earlier steps' pointer moves must not end up in the picture
            if (!document.getElementById("o_exact_screenshot_style")) {
                const style = document.createElement("style");
                style.id = "o_exact_screenshot_style";
                style.textContent = ".o-tooltip, .popover:has(.o-tooltip) { display: none !important; }";
                document.head.appendChild(style);
            }
            await delay(600); // let dialogs finish opening and fields render
            const rect = this.anchor.getBoundingClientRect();
            let bottom = rect.bottom;
            const last = until && document.querySelector(until);
            if (last) {
                bottom = Math.min(bottom, last.getBoundingClientRect().bottom + 12);
            }
            const token = `${name}-${Date.now()}`;
            const clip = {
                x: Math.max(0, rect.x - pad),
                y: Math.max(0, rect.y - pad),
                width: rect.width + 2 * pad,
                height: bottom - rect.y + 2 * pad,
            };
            console.log(`exact-screenshot ${JSON.stringify({ name, token, clip })}`);
            for (let i = 0; i < 100 && window.__exactShotDone !== token; i++) {
                await delay(100);
            }
            if (window.__exactShotDone !== token) {
                console.error(`exact-screenshot ${name}: no answer`);
            }
        },
    };
}

/** Build the steps; `shot(name, selector)` returns [] or a screenshot step. */
function wizardSteps(shot) {
    return [
        {
            content: "Open Invoicing > Exact Online",
            trigger: ".o_main_navbar [data-menu-xmlid='scrada_exact_bridge.menu_exact_online']",
            run: "click",
        },
        {
            content: "Open the Exact Online set-up",
            trigger: "[data-menu-xmlid='scrada_exact_bridge.menu_exact_setup_wizard']",
            run: "click",
        },
        // 1. activate and choose the sender
        {
            trigger: `${WIZARD} div[name=step_activate]`,
        },
        {
            content: "Activate Exact Online",
            trigger: `${WIZARD} .o_field_widget[name=exact_enabled] input`,
            run: "check",
        },
        {
            content: "Enter the sender address",
            trigger: `${WIZARD} .o_field_widget[name=sender_email] input`,
            run: `edit ${SENDER}`,
        },
        ...shot("wizard_1_activate", ".modal .modal-content"),
        { trigger: NEXT, run: "click" },
        // 2. the Exact Online connection: skipped here (e-mail only; see the connection tour)
        {
            trigger: `${WIZARD} div[name=step_connection] button.o_exact_connect`,
        },
        { trigger: NEXT, run: "click" },
        // 3. journals and mailboxes
        {
            trigger: `${WIZARD} div[name=step_journals]`,
        },
        {
            content: "Enter the purchase address by mistake",
            trigger: `${SALE_ROW} td[name=mailbox]`,
            run: "click",
        },
        {
            trigger: `${SALE_ROW} td[name=mailbox] input`,
            run: `edit ${PURCHASE_MAILBOX}`,
        },
        {
            content: "Click the cash journal's mailbox (commits the sale line)",
            trigger: `${CASH_ROW} td[name=mailbox]`,
            run: "click",
        },
        {
            content: "The wizard warns about the kind of address, in full on its line",
            trigger: `${SALE_ROW} td[name=warning].text-warning.o_list_text`,
        },
        {
            trigger: `${CASH_ROW} td[name=mailbox] input`,
            run: `edit ${CASH_MAILBOX}`,
        },
        {
            content: "Entering a mailbox ticks the journal",
            trigger: `${SALE_ROW} td[name=send] input:checked`,
        },
        ...shot("wizard_2_journals_warning", ".modal .modal-content"),
        {
            content: "Correct the sales address",
            trigger: `${SALE_ROW} td[name=mailbox]`,
            run: "click",
        },
        {
            trigger: `${SALE_ROW} td[name=mailbox] input`,
            run: `edit ${SALES_MAILBOX}`,
        },
        {
            trigger: `${WIZARD} div[name=step_journals] h5:first`,
            run: "click",
        },
        {
            content: "No warning about the sales address any more",
            trigger: `${SALE_ROW} td[name=warning]:not(.text-warning)`,
        },
        {
            trigger: `${CASH_ROW} td[name=send] input:checked`,
        },
        {
            content: "CODA by e-mail is unconfirmed: the wizard says so and asks to confirm",
            trigger: `${CASH_ROW} td[name=warning].text-warning`,
        },
        {
            content: "Next is refused until the warned address is confirmed",
            trigger: NEXT,
            run: "click",
        },
        {
            content: "The refusal names the address",
            trigger: `.o_error_dialog .modal-body:contains("${CASH_MAILBOX}")`,
        },
        {
            trigger: ".o_error_dialog .modal-footer .btn-primary",
            run: "click",
        },
        {
            trigger: "body:not(:has(.o_error_dialog))",
        },
        {
            content: "Use this address anyway",
            trigger: `${CASH_ROW} td[name=warning_confirmed] input`,
            run: "click",
        },
        {
            trigger: `${CASH_ROW} td[name=warning_confirmed] input:checked`,
        },
        ...shot("wizard_2_journals", ".modal .modal-content"),
        { trigger: NEXT, run: "click" },
        // 3. the IBAN of the cash book
        {
            trigger: `${WIZARD} div[name=step_iban]`,
        },
        {
            trigger: `${CODA_ROW} td[name=iban]`,
            run: "click",
        },
        {
            content: "Enter the IBAN of the cash book",
            trigger: `${CODA_ROW} td[name=iban] input`,
            run: `edit ${IBAN}`,
        },
        {
            trigger: `${WIZARD} div[name=step_iban] p:first`,
            run: "click",
        },
        ...shot("wizard_3_iban", ".modal .modal-content"),
        { trigger: NEXT, run: "click" },
        // 5. the checklist for Exact Online, with the values filled in, then Save
        {
            content: "The checklist shows the IBAN and the sender",
            trigger: `${WIZARD} .o_exact_checklist .o_data_row:contains("${IBAN}")`,
        },
        {
            trigger: `${WIZARD} .o_exact_checklist .o_data_row:contains("${SENDER}")`,
        },
        {
            content: "CODA by e-mail: the checklist says plainly that it is unconfirmed",
            trigger: `${WIZARD} .o_exact_coda_email_note`,
        },
        {
            content: "Tick the first item as done",
            trigger: `${WIZARD} .o_exact_checklist .o_data_row:first td[name=done] input`,
            run: "click",
        },
        {
            trigger: `${WIZARD} .o_exact_checklist .o_data_row:first td[name=done] input:checked`,
        },
        ...shot("wizard_4_exact_online", ".modal .modal-content"),
        { trigger: ".modal-footer button.o_exact_save", run: "click" },
        // 6. the test document
        {
            content: "Send a test document",
            trigger: `${WIZARD} div[name=step_test] button[name=action_send_test]`,
            run: "click",
        },
        {
            content: "One test delivery per mailbox",
            trigger: `${WIZARD} .o_exact_test_deliveries .o_data_row:eq(1)`,
        },
        {
            trigger: `${WIZARD} .o_exact_test_deliveries .o_data_row:contains("${CASH_MAILBOX}")`,
        },
        {
            trigger: `${WIZARD} button[name=action_refresh]`,
            run: "click",
        },
        {
            trigger: `${WIZARD} .o_exact_test_deliveries .o_data_row:contains("${SALES_MAILBOX}")`,
        },
        ...shot("wizard_5_test_pending", ".modal .modal-content"),
        {
            content: "Close the wizard",
            trigger: ".modal-footer button.o_exact_done",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal .o_exact_setup_wizard))",
        },
    ];
}

/** The wizard re-opened after the cron mailed the tests: values kept, outcome shown. */
function reopenSteps(shot) {
    return [
        {
            trigger: ".o_main_navbar [data-menu-xmlid='scrada_exact_bridge.menu_exact_online']",
            run: "click",
        },
        {
            trigger: "[data-menu-xmlid='scrada_exact_bridge.menu_exact_setup_wizard']",
            run: "click",
        },
        {
            content: "Re-opened: what is configured is shown",
            trigger: `${WIZARD} div[name=already_configured]:contains("${SALES_MAILBOX}")`,
        },
        {
            trigger: `${WIZARD} .o_field_widget[name=exact_enabled] input:checked`,
        },
        {
            trigger: `${WIZARD} .o_field_widget[name=sender_email] input:value("${SENDER}")`,
        },
        ...shot("wizard_1_reopened", ".modal .modal-content"),
        { trigger: NEXT, run: "click" },
        {
            trigger: `${WIZARD} div[name=step_connection]`,
        },
        { trigger: NEXT, run: "click" },
        {
            trigger: `${SALE_ROW} td[name=mailbox]:contains("${SALES_MAILBOX}")`,
        },
        {
            trigger: `${CASH_ROW} td[name=mailbox]:contains("${CASH_MAILBOX}")`,
        },
        { trigger: NEXT, run: "click" },
        {
            trigger: `${CODA_ROW} td[name=iban]:contains("${IBAN}")`,
        },
        { trigger: NEXT, run: "click" },
        {
            content: "The tick is remembered",
            trigger: `${WIZARD} .o_exact_checklist .o_data_row:first td[name=done] input:checked`,
        },
        { trigger: ".modal-footer button.o_exact_save", run: "click" },
        {
            content: "The tests were sent",
            trigger: `${WIZARD} .o_exact_test_deliveries .o_data_row:eq(1) td[name=state] .text-bg-success`,
        },
        {
            trigger: `${WIZARD} .o_exact_test_deliveries .o_data_row:eq(0) td[name=state] .text-bg-success`,
        },
        ...shot("wizard_5_test_sent", ".modal .modal-content"),
        {
            trigger: ".modal-footer button.o_exact_close",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal .o_exact_setup_wizard))",
        },
    ];
}

/** The journal's "Exact Online" page, its deliveries, and the dashboard card. */
function journalSteps(shot) {
    return [
        {
            content: "Open the Exact Online page of the cash journal",
            trigger: ".o_form_view .o_notebook a.nav-link[name=exact_online]",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=exact_send_coda] input:checked",
        },
        {
            trigger: `.o_form_view .o_field_widget[name=exact_mailbox] input:value("${CASH_MAILBOX}")`,
        },
        {
            content: "The IBAN of the cash book, stored in groups of four",
            trigger: `.o_form_view .tab-pane.active .o_field_widget[name=bank_acc_number] input:value("${IBAN}")`,
        },
        {
            content: "Close cash statements per week",
            trigger: ".o_form_view .o_field_widget[name=exact_coda_period] select",
            run: 'select "week"',
        },
        {
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_form_saved",
        },
        ...shot("journal_exact_online_page", ".o_action_manager", { until: ".o_form_sheet" }),
        {
            content: "Open the journal's deliveries",
            trigger: ".o_form_view button[name=action_exact_open_deliveries]",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_data_row:contains('TEST_Odoo_Exact_Online')",
        },
        ...shot("deliveries_list", ".o_action_manager", { until: ".o_list_table" }),
        {
            content: "Back to the Accounting dashboard",
            trigger: ".o_main_navbar .o_menu_brand",
            run: "click",
        },
        {
            content: "The card of a sending journal shows its deliveries at a glance",
            trigger: ".o_kanban_record .o_exact_dashboard .o_exact_dashboard_failed",
        },
        {
            trigger: ".o_kanban_record .o_exact_dashboard .o_exact_dashboard_last",
        },
        ...shot(
            "dashboard_card",
            ".o_kanban_record:has(.o_exact_dashboard_failed)",
            { pad: 6 }
        ),
        {
            content: "A failed delivery is one click away",
            trigger: ".o_kanban_record .o_exact_dashboard .o_exact_dashboard_failed",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_data_row.text-danger",
        },
        {
            content: "Only the failed ones are listed",
            trigger: ".o_list_view:not(:has(.o_data_row:not(.text-danger)))",
        },
        ...shot("deliveries_failed", ".o_action_manager", { until: ".o_list_table" }),
        {
            trigger: ".o_list_view .o_data_row.text-danger td[name=name]",
            run: "click",
        },
        {
            content: "The failed delivery says what is wrong",
            trigger: ".o_form_view .alert-danger .o_field_widget[name=error_message]",
        },
        ...shot("delivery_failed_form", ".o_action_manager", { until: ".o_form_sheet" }),
    ];
}

const noShot = () => [];
const withShot = (name, selector, options) => [screenshotStep(name, selector, options)];

const tours = registry.category("web_tour.tours");
tours.add("exact_setup_wizard_tour", { steps: () => wizardSteps(noShot) });
tours.add("exact_setup_wizard_reopen_tour", { steps: () => reopenSteps(noShot) });
tours.add("exact_journal_page_tour", { steps: () => journalSteps(noShot) });
tours.add("exact_setup_wizard_tour_screenshots", { steps: () => wizardSteps(withShot) });
tours.add("exact_setup_wizard_reopen_tour_screenshots", { steps: () => reopenSteps(withShot) });
tours.add("exact_journal_page_tour_screenshots", { steps: () => journalSteps(withShot) });

/**
 * The cash book as a billing user (Invoicing > Cash > Cash book): a new line is dated today,
 * a line with both In and Out is refused when saved (never netted), the line is saved with
 * In only. (The warning the screen gives at once is checked by the Python tests.)
 */
/** From wherever the web client opens: the app menu, then the Invoicing app. */
function openInvoicingSteps() {
    return [
        {
            content: "Open the apps menu",
            trigger: ".o_navbar_apps_menu button",
            run: "click",
        },
        {
            content: "Open the Invoicing app",
            trigger: ".o_app[data-menu-xmlid='account.menu_finance']",
            run: "click",
        },
    ];
}

function cashBookSteps() {
    return [
        ...openInvoicingSteps(),
        {
            content: "Open Cash",
            trigger: ".o_main_navbar [data-menu-xmlid='scrada_exact_bridge.menu_exact_cash']",
            run: "click",
        },
        {
            content: "Open the cash book",
            trigger: "[data-menu-xmlid='scrada_exact_bridge.menu_exact_cash_book']",
            run: "click",
        },
        {
            content: "The cash book has a Close and send now button",
            trigger: "button.o_exact_close_now",
        },
        {
            content: "New line",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "The new line is dated today, not the last line's date",
            trigger: ".o_data_row.o_selected_row td[name=date] input",
            run() {
                const expected = formatDate(luxon.DateTime.local());
                if (this.anchor.value !== expected) {
                    throw new Error(`new cash line dated ${this.anchor.value}, not today (${expected})`);
                }
            },
        },
        {
            content: "Choose the type",
            trigger: ".o_data_row.o_selected_row td[name=exact_cash_type] select",
            run: 'select "cash_receipt"',
        },
        {
            trigger: ".o_data_row.o_selected_row td[name=exact_remark] input",
            run: "edit tour",
        },
        {
            content: "Amount in (a whole number: the same in every language's number format)",
            trigger: ".o_data_row.o_selected_row td[name=exact_amount_in] input",
            run: "edit 12",
        },
        {
            content: "And an amount out on the same line",
            trigger: ".o_data_row.o_selected_row td[name=exact_amount_out] input",
            run: "edit 3",
        },
        {
            trigger: ".o_list_button_save",
            run: "click",
        },
        {
            content: "Saving is refused; close the message (and any copy of it)",
            trigger: "body:has(.o_error_dialog .modal-body)",
            async run() {
                const buttons = [...document.querySelectorAll(".modal .btn-primary")].reverse();
                for (const button of buttons) {
                    button.click();
                    await delay(100);
                }
            },
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "Clear the amount out",
            trigger: ".o_data_row.o_selected_row td[name=exact_amount_out] input",
            run: "edit 0",
        },
        {
            trigger: ".o_list_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_list_view:not(:has(.o_selected_row)) .o_data_row td[name=exact_remark]:contains('tour')",
        },
    ];
}

tours.add("exact_cash_book_tour", { steps: cashBookSteps });

/** Invoicing > Exact Online > Deliveries and Set-up, as on Community (no full accounting). */
function menuSteps() {
    return [
        ...openInvoicingSteps(),
        {
            content: "The Exact Online menu",
            trigger: ".o_main_navbar [data-menu-xmlid='scrada_exact_bridge.menu_exact_online']",
            run: "click",
        },
        {
            trigger: "[data-menu-xmlid='scrada_exact_bridge.menu_exact_setup_wizard']",
        },
        {
            content: "Deliveries",
            trigger: "[data-menu-xmlid='scrada_exact_bridge.menu_exact_mailbox_delivery']",
            run: "click",
        },
        {
            content: "The failed delivery is listed",
            trigger: ".o_list_view .o_data_row.text-danger",
        },
    ];
}

tours.add("exact_menu_tour", { steps: menuSteps });

/** The same for a billing user: the deliveries, no set-up. */
tours.add("exact_menu_billing_tour", {
    steps: () => [
        ...menuSteps().slice(0, 3),
        {
            trigger: "[data-menu-xmlid='scrada_exact_bridge.menu_exact_mailbox_delivery']",
        },
        {
            content: "No set-up for a billing user",
            trigger: ".dropdown-menu:not(:has([data-menu-xmlid='scrada_exact_bridge.menu_exact_setup_wizard']))",
        },
        ...menuSteps().slice(4),
    ],
});

/**
 * The set-up wizard's connection step against the stand-in of Exact Online, as a billing
 * administrator of Community: the test fills in the stand-in's address; the tour enters the
 * app's client ID and secret, presses Connect (the browser goes to the stand-in's sign-in, is
 * sent back to Odoo's callback and from there into the wizard), picks the postboxes Exact
 * listed, saves, and sends the test documents through the connection.
 */
const SALES_POSTBOX = "dagontvangsten-lab@exactonline.be";
const CASH_POSTBOX = "kasboek-lab@exactonline.be";

function pickPostbox(row, name) {
    return [
        {
            content: `Pick the postbox ${name}`,
            trigger: `${row} td[name=postbox_id]`,
            run: "click",
        },
        {
            trigger: `${row} td[name=postbox_id] input`,
            run: `edit ${name.split("@")[0]}`,
        },
        {
            trigger: `.o-autocomplete--dropdown-item:contains("${name}")`,
            run: "click",
        },
        {
            trigger: `${row} td[name=mailbox]:contains("${name}")`,
        },
    ];
}

function connectionSteps(shot) {
    return [
        ...openInvoicingSteps(),
        {
            trigger: ".o_main_navbar [data-menu-xmlid='scrada_exact_bridge.menu_exact_online']",
            run: "click",
        },
        {
            trigger: "[data-menu-xmlid='scrada_exact_bridge.menu_exact_setup_wizard']",
            run: "click",
        },
        {
            trigger: `${WIZARD} .o_field_widget[name=exact_enabled] input`,
            run: "check",
        },
        {
            trigger: `${WIZARD} .o_field_widget[name=sender_email] input`,
            run: `edit ${SENDER}`,
        },
        { trigger: NEXT, run: "click" },
        // the connection step
        {
            content: "The redirect URI to register in Exact's App Center",
            trigger: `${WIZARD} div[name=step_connection] .o_field_widget[name=redirect_uri]:contains("/scrada_exact_bridge/oauth/callback")`,
        },
        {
            content: "The app's Client ID",
            trigger: `${WIZARD} .o_field_widget[name=client_id] input`,
            run: "edit standin-client-id",
        },
        {
            content: "The app's Client secret",
            trigger: `${WIZARD} .o_field_widget[name=client_secret] input`,
            run: "edit standin-client-secret",
        },
        ...shot("wizard_2_connection", ".modal .modal-content"),
        {
            content: "Connect: to Exact Online's sign-in and back",
            trigger: `${WIZARD} button.o_exact_connect`,
            run: "click",
        },
        {
            content: "Back in the wizard: connected, the postboxes listed",
            trigger: `${WIZARD} div[name=step_connection] .o_exact_postboxes .o_data_row:contains("${CASH_POSTBOX}")`,
            timeout: 20000,
        },
        {
            trigger: `${WIZARD} .o_field_widget[name=connection_division]:contains("123")`,
        },
        ...shot("wizard_2_connected", ".modal .modal-content"),
        { trigger: NEXT, run: "click" },
        // journals: the postbox names picked from the list
        {
            trigger: `${WIZARD} div[name=step_journals]`,
        },
        ...pickPostbox(SALE_ROW, SALES_POSTBOX),
        ...pickPostbox(CASH_ROW, CASH_POSTBOX),
        {
            trigger: `${WIZARD} div[name=step_journals] h5:first`,
            run: "click",
        },
        {
            content: "Picking a postbox ticks the journal",
            trigger: `${CASH_ROW} td[name=send] input:checked`,
        },
        {
            trigger: `${SALE_ROW} td[name=send] input:checked`,
        },
        {
            content: "No warning: CODA through the connection",
            trigger: `${WIZARD} div[name=step_journals]:not(:has(td[name=warning].text-warning))`,
        },
        ...shot("wizard_3_journals_connection", ".modal .modal-content"),
        { trigger: NEXT, run: "click" },
        {
            trigger: `${CODA_ROW} td[name=iban]`,
            run: "click",
        },
        {
            trigger: `${CODA_ROW} td[name=iban] input`,
            run: `edit ${IBAN}`,
        },
        {
            trigger: `${WIZARD} div[name=step_iban] p:first`,
            run: "click",
        },
        { trigger: NEXT, run: "click" },
        {
            content: "The checklist: link the postbox to the company and the bank account",
            trigger: `${WIZARD} .o_exact_checklist .o_data_row:contains("${CASH_POSTBOX}")`,
        },
        {
            trigger: `${WIZARD} .o_exact_checklist:not(:has(.o_data_row:contains("${SENDER}")))`,
        },
        ...shot("wizard_4_exact_online_connection", ".modal .modal-content"),
        { trigger: ".modal-footer button.o_exact_save", run: "click" },
        {
            content: "Send the tests through the connection",
            trigger: `${WIZARD} div[name=step_test] button[name=action_send_test]`,
            run: "click",
        },
        {
            trigger: `${WIZARD} .o_exact_test_deliveries .o_data_row:contains("${SALES_POSTBOX}")`,
        },
        {
            trigger: `${WIZARD} .o_exact_test_deliveries .o_data_row:contains("${CASH_POSTBOX}")`,
        },
        {
            trigger: ".modal-footer button.o_exact_done",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal .o_exact_setup_wizard))",
        },
    ];
}

tours.add("exact_setup_connection_tour", { steps: () => connectionSteps(noShot) });
tours.add("exact_setup_connection_tour_screenshots", { steps: () => connectionSteps(withShot) });

/**
 * Invoicing > Exact Online > Deliveries as a billing administrator of Community: the failed
 * delivery, its text in the user's language (not the English source), Resend.
 */
function resendSteps(shot) {
    return [
        ...openInvoicingSteps(),
        {
            trigger: ".o_main_navbar [data-menu-xmlid='scrada_exact_bridge.menu_exact_online']",
            run: "click",
        },
        {
            trigger: "[data-menu-xmlid='scrada_exact_bridge.menu_exact_mailbox_delivery']",
            run: "click",
        },
        {
            content: "The failed delivery is listed",
            trigger: ".o_list_view .o_data_row.text-danger td[name=name]",
            run: "click",
        },
        {
            content: "It says what is wrong, in the user's language",
            trigger: ".o_form_view .alert-danger .o_field_widget[name=error_message]:contains('550')",
            run() {
                const text = this.anchor.textContent;
                if (/refused|Check the/.test(text)) {
                    throw new Error(`failure text in English: ${text}`);
                }
            },
        },
        ...shot("delivery_failed_form", ".o_action_manager", { until: ".o_form_sheet" }),
        {
            content: "Resend",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_resend]",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "Pending again",
            trigger: ".o_form_view .o_statusbar_status button[data-value=pending].o_arrow_button_current",
        },
    ];
}

tours.add("exact_deliveries_resend_tour", { steps: () => resendSteps(noShot) });
tours.add("exact_deliveries_resend_tour_screenshots", { steps: () => resendSteps(withShot) });

/** The daily-receipts book's entry form, as a receipts clerk opens it (screenshot only). */
tours.add("exact_receipts_entry_screenshot_tour", {
    steps: () => [
        {
            trigger: ".o_navbar_apps_menu button",
            run: "click",
        },
        {
            trigger: ".o_app[data-menu-xmlid='scrada_exact_bridge.menu_exact_receipts_root']",
            run: "click",
        },
        {
            trigger: ".o_exact_receipts_entry_form .o_exact_receipts_payments .o_data_row:eq(1)",
        },
        screenshotStep("receipts_entry_form", ".o_action_manager", { until: ".o_form_sheet" }),
    ],
});
