"""Features for patients: registration, booking, their appointments and rescheduling."""
