/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
//
// Browser tours of the daily-receipts book, run in Dutch: selectors use field names, menu
// xmlids and CSS classes only, never labels. Amounts are typed the Belgian way (comma).

import { registry } from "@web/core/registry";

const FORM = ".o_exact_receipts_entry_form";
const AMOUNTS = `${FORM} .o_exact_receipts_amounts`;
const PAYMENTS = `${FORM} .o_exact_receipts_payments`;

/** Type `value` in the amount cell of row `index` (0-based) of the list `list`. */
function editAmount(list, index, value) {
    return [
        {
            content: `amount ${value} in row ${index + 1}`,
            trigger: `${list} .o_data_row:eq(${index}) td[name=amount]`,
            run: "click",
        },
        {
            trigger: `${list} .o_data_row:eq(${index}) td[name=amount] input`,
            run: `edit ${value}`,
        },
        {
            content: "leave the cell",
            trigger: `${FORM} .o_exact_receipts_help`,
            run: "click",
        },
    ];
}

/** A receipts clerk enters today's receipts: 21 % and 6 %, part Bancontact, cash the rest. */
function entrySteps() {
    return [
        {
            content: "Open the apps menu",
            trigger: ".o_navbar_apps_menu button",
            run: "click",
        },
        {
            content: "No accounting app for a receipts clerk",
            trigger: ".o-dropdown--menu:not(:has(.o_app[data-menu-xmlid='account.menu_finance']))",
        },
        {
            content: "Open the Daily receipts app",
            trigger: ".o_app[data-menu-xmlid='scrada_exact_bridge.menu_exact_receipts_root']",
            run: "click",
        },
        {
            content: "The form opens on today with the book's categories and methods",
            trigger: `${AMOUNTS} .o_data_row:eq(3)`,
        },
        {
            trigger: `${PAYMENTS} .o_data_row:eq(1)`,
        },
        {
            content: "No entry yet, nothing today",
            trigger: `${FORM} .o_exact_receipts_status .o_exact_receipts_today_total:contains(0,00)`,
        },
        ...editAmount(AMOUNTS, 0, "121,00"),
        ...editAmount(AMOUNTS, 2, "10,60"),
        {
            content: "Cash takes the whole total",
            trigger: `${PAYMENTS} .o_data_row:eq(0) td[name=amount]:contains(131,60)`,
        },
        ...editAmount(PAYMENTS, 1, "50,00"),
        {
            content: "Cash is what remains after Bancontact",
            trigger: `${PAYMENTS} .o_data_row:eq(0) td[name=amount]:contains(81,60)`,
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved: today's total at the top",
            trigger: `${FORM} .o_exact_receipts_status .o_exact_receipts_today_total:contains(131,60)`,
        },
        {
            trigger: ".o_form_saved",
        },
        {
            content: "A specific item: one wedding cake over 250 EUR",
            trigger: ".o_form_button_create",
            run: "click",
        },
        {
            trigger: `${FORM} .o_field_widget[name=entry_type] input[data-value=specific]`,
            run: "click",
        },
        ...editAmount(AMOUNTS, 0, "480,00"),
        {
            trigger: `${FORM} .o_field_widget[name=product_name] input`,
            run: "edit Bruidstaart",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Today's total includes the specific item",
            trigger: `${FORM} .o_exact_receipts_status .o_exact_receipts_today_total:contains(611,60)`,
        },
        {
            content: "The clerk's list shows today's entries only",
            trigger: ".o_main_navbar [data-menu-xmlid='scrada_exact_bridge.menu_exact_receipts_entries']",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_data_row:eq(1)",
        },
        {
            trigger: ".o_list_view:not(:has(.o_data_row:eq(2)))",
        },
    ];
}

/** The accountant's dashboard card of the book: last entry, missing days, "Enter receipts". */
function dashboardSteps() {
    return [
        {
            content: "The book's card shows its last entry and the days without entry",
            trigger: ".o_exact_receipts_dashboard .o_exact_receipts_dashboard_missing",
        },
        {
            trigger: ".o_exact_receipts_dashboard .o_exact_receipts_dashboard_last",
        },
        {
            content: "Enter receipts from the card",
            trigger: ".o_exact_receipts_dashboard .o_exact_receipts_dashboard_enter",
            run: "click",
        },
        {
            content: "The form warns about the missing days",
            trigger: `${FORM} .o_exact_receipts_warning`,
        },
        {
            trigger: `${AMOUNTS} .o_data_row:eq(0)`,
        },
        {
            // A new form left open would be saved when the browser closes, after the test
            // (a request racing the next test class): discard it and wait for the dashboard.
            content: "Discard the new entry",
            trigger: ".o_form_button_cancel",
            run: "click",
        },
        {
            trigger: ".o_exact_receipts_dashboard:not(:has(.o_form_view))",
        },
    ];
}

const tours = registry.category("web_tour.tours");
tours.add("exact_receipts_entry_tour", { steps: entrySteps });
tours.add("exact_receipts_dashboard_tour", { steps: dashboardSteps });
