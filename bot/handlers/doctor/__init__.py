"""The doctor's side: /agenda and marking visits, for the doctor linked to the account."""
