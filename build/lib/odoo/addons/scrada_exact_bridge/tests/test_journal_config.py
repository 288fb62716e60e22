# placeholder: foundation tests are written by the lead
