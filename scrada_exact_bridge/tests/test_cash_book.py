# placeholder: written by its issue
