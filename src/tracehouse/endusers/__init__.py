"""End users: the people an application serves, as its traces name them (`user_id`)."""
