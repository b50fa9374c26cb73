"""Initial schema: every table of the contest, the 18 categories, append-only guards.

Downgrade drops every table, and every row in them ("*"), including the tables that a later
migration's downgrade kept (two-factor and proof-of-work data): it empties the database.

Revision ID: 0001
Revises: 
Create Date: 2026-11-28 11:04:46.374923
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None

# What downgrade() loses (docs/migrations.md): everything.
downgrade_drops = {"*": "data"}


def upgrade() -> None:
    op.create_table('categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.SmallInteger(), nullable=False),
    sa.Column('action_line', sa.Enum('C1', 'C2', 'C3', 'C4', 'C5', 'C6', 'C7', 'C8', 'C9', 'C10', 'C11', name='action_line', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('slug', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.CheckConstraint('number BETWEEN 1 AND 18', name=op.f('ck_categories_number_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_categories')),
    sa.UniqueConstraint('number', name=op.f('uq_categories_number')),
    sa.UniqueConstraint('slug', name=op.f('uq_categories_slug'))
    )
    op.create_table('editions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('submission_opens_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submission_closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('review_closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('selection_closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('results_published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('shortlist_size', sa.SmallInteger(), nullable=False),
    sa.Column('nominated_per_category', sa.SmallInteger(), nullable=True),
    sa.Column('score_min', sa.SmallInteger(), nullable=False),
    sa.Column('score_max', sa.SmallInteger(), nullable=False),
    sa.Column('show_votes_to_experts', sa.Boolean(), nullable=False),
    sa.Column('conflict_on_same_country', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('review_closes_at <= selection_closes_at', name=op.f('ck_editions_selection_order')),
    sa.CheckConstraint('score_min < score_max', name=op.f('ck_editions_score_scale')),
    sa.CheckConstraint('shortlist_size BETWEEN 1 AND 20', name=op.f('ck_editions_shortlist_size_range')),
    sa.CheckConstraint('submission_closes_at <= review_closes_at', name=op.f('ck_editions_review_order')),
    sa.CheckConstraint('submission_opens_at < submission_closes_at', name=op.f('ck_editions_submission_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_editions')),
    sa.UniqueConstraint('year', name=op.f('uq_editions_year'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('email_canonical', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('email_verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('session_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('organisation_name', sa.String(length=200), nullable=True),
    sa.Column('organisation_type', sa.Enum('government', 'business', 'civil_society', 'international_organisation', 'academia', 'other', name='stakeholder_type', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email_canonical', name=op.f('uq_users_email_canonical'))
    )
    op.create_table('audit_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_events_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_at'), ['at'], unique=False)
        batch_op.create_index('ix_audit_events_object', ['object_type', 'object_id'], unique=False)

    op.create_table('expert_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'], name=op.f('fk_expert_assignments_assigned_by_id_users')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_expert_assignments_category_id_categories')),
    sa.ForeignKeyConstraint(['edition_id'], ['editions.id'], name=op.f('fk_expert_assignments_edition_id_editions')),
    sa.ForeignKeyConstraint(['expert_id'], ['users.id'], name=op.f('fk_expert_assignments_expert_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_assignments')),
    sa.UniqueConstraint('edition_id', 'expert_id', 'category_id', name=op.f('uq_expert_assignments_edition_id_expert_id_category_id'))
    )
    with op.batch_alter_table('expert_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_assignments_expert_id'), ['expert_id'], unique=False)

    op.create_table('expert_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('email_canonical', sa.String(length=254), nullable=False),
    sa.Column('category_ids', sa.JSON(), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['users.id'], name=op.f('fk_expert_invitations_accepted_by_id_users')),
    sa.ForeignKeyConstraint(['edition_id'], ['editions.id'], name=op.f('fk_expert_invitations_edition_id_editions')),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_expert_invitations_invited_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_invitations'))
    )
    with op.batch_alter_table('expert_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_invitations_email_canonical'), ['email_canonical'], unique=False)

    op.create_table('login_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.Column('network_hash', sa.String(length=64), nullable=True),
    sa.Column('device_hash', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_login_events_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_events'))
    )
    with op.batch_alter_table('login_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_events_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_events_network_hash'), ['network_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_events_user_id'), ['user_id'], unique=False)

    op.create_table('rubric_criteria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.CheckConstraint('weight > 0', name=op.f('ck_rubric_criteria_positive_weight')),
    sa.ForeignKeyConstraint(['edition_id'], ['editions.id'], name=op.f('fk_rubric_criteria_edition_id_editions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rubric_criteria')),
    sa.UniqueConstraint('edition_id', 'name', name=op.f('uq_rubric_criteria_edition_id_name'))
    )
    op.create_table('stocktaking_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=64), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('organisation', sa.String(length=300), nullable=False),
    sa.Column('organisation_key', sa.String(length=300), nullable=False),
    sa.Column('stakeholder_type', sa.Enum('government', 'business', 'civil_society', 'international_organisation', 'academia', 'other', name='stakeholder_type', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('website', sa.String(length=500), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('draft', 'published', 'archived', name='entry_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('end_date IS NULL OR start_date IS NULL OR start_date <= end_date', name=op.f('ck_stocktaking_entries_date_order')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_stocktaking_entries_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stocktaking_entries')),
    sa.UniqueConstraint('external_id', name=op.f('uq_stocktaking_entries_external_id'))
    )
    with op.batch_alter_table('stocktaking_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stocktaking_entries_country'), ['country'], unique=False)
        batch_op.create_index(batch_op.f('ix_stocktaking_entries_organisation_key'), ['organisation_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_stocktaking_entries_owner_id'), ['owner_id'], unique=False)

    op.create_table('user_roles',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('stakeholder', 'expert', 'secretariat', name='role', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_user_roles_granted_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_roles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'role', name=op.f('pk_user_roles'))
    )
    op.create_table('voting_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.SmallInteger(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('shortlist_size', sa.SmallInteger(), nullable=False),
    sa.Column('requires_complete_ballot', sa.Boolean(), nullable=False),
    sa.Column('public_tally', sa.Boolean(), nullable=False),
    sa.Column('finalised_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('opens_at < closes_at', name=op.f('ck_voting_rounds_open_before_close')),
    sa.CheckConstraint('shortlist_size BETWEEN 1 AND 50', name=op.f('ck_voting_rounds_shortlist_size_range')),
    sa.ForeignKeyConstraint(['edition_id'], ['editions.id'], name=op.f('fk_voting_rounds_edition_id_editions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voting_rounds')),
    sa.UniqueConstraint('edition_id', 'number', name=op.f('uq_voting_rounds_edition_id_number'))
    )
    op.create_table('entry_action_lines',
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('action_line', sa.Enum('C1', 'C2', 'C3', 'C4', 'C5', 'C6', 'C7', 'C8', 'C9', 'C10', 'C11', name='action_line', native_enum=False, create_constraint=True), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['stocktaking_entries.id'], name=op.f('fk_entry_action_lines_entry_id_stocktaking_entries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('entry_id', 'action_line', name=op.f('pk_entry_action_lines'))
    )
    with op.batch_alter_table('entry_action_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entry_action_lines_action_line'), ['action_line'], unique=False)

    op.create_table('entry_sdgs',
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('sdg', sa.SmallInteger(), nullable=False),
    sa.CheckConstraint('sdg BETWEEN 1 AND 17', name=op.f('ck_entry_sdgs_sdg_range')),
    sa.ForeignKeyConstraint(['entry_id'], ['stocktaking_entries.id'], name=op.f('fk_entry_sdgs_entry_id_stocktaking_entries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('entry_id', 'sdg', name=op.f('pk_entry_sdgs'))
    )
    with op.batch_alter_table('entry_sdgs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entry_sdgs_sdg'), ['sdg'], unique=False)

    op.create_table('nominations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('nominator_id', sa.Integer(), nullable=False),
    sa.Column('organisation_key', sa.String(length=300), nullable=False),
    sa.Column('short_description', sa.Text(), nullable=False),
    sa.Column('impact', sa.Text(), nullable=False),
    sa.Column('partnerships', sa.Text(), nullable=False),
    sa.Column('challenges', sa.Text(), nullable=False),
    sa.Column('project_stage', sa.Enum('completed', 'major_phase_completed', name='project_stage', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('image_path', sa.String(length=200), nullable=True),
    sa.Column('status', sa.Enum('draft', 'submitted', 'returned', 'nominated', 'rejected', 'withdrawn', 'shortlisted', 'winner', 'champion', name='nomination_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status NOT IN ('rejected', 'returned') OR status_reason IS NOT NULL", name=op.f('ck_nominations_reason_when_rejected_or_returned')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_nominations_category_id_categories')),
    sa.ForeignKeyConstraint(['edition_id'], ['editions.id'], name=op.f('fk_nominations_edition_id_editions')),
    sa.ForeignKeyConstraint(['entry_id'], ['stocktaking_entries.id'], name=op.f('fk_nominations_entry_id_stocktaking_entries')),
    sa.ForeignKeyConstraint(['nominator_id'], ['users.id'], name=op.f('fk_nominations_nominator_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nominations')),
    sa.UniqueConstraint('edition_id', 'entry_id', name=op.f('uq_nominations_edition_id_entry_id'))
    )
    with op.batch_alter_table('nominations', schema=None) as batch_op:
        batch_op.create_index('ix_nominations_edition_category_status', ['edition_id', 'category_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_nominations_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_nominations_nominator_id'), ['nominator_id'], unique=False)
        batch_op.create_index('uq_nominations_one_per_organisation', ['edition_id', 'category_id', 'organisation_key'], unique=True, sqlite_where=sa.text("status NOT IN ('draft', 'withdrawn')"), postgresql_where=sa.text("status NOT IN ('draft', 'withdrawn')"))

    op.create_table('suspicion_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=100), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('vote_count', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('open', 'dismissed', 'actioned', name='flag_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_suspicion_flags_reviewed_by_id_users')),
    sa.ForeignKeyConstraint(['round_id'], ['voting_rounds.id'], name=op.f('fk_suspicion_flags_round_id_voting_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suspicion_flags')),
    sa.UniqueConstraint('round_id', 'kind', 'subject', name=op.f('uq_suspicion_flags_round_id_kind_subject'))
    )
    op.create_table('ballot_entries',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('nomination_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_ballot_entries_category_id_categories')),
    sa.ForeignKeyConstraint(['nomination_id'], ['nominations.id'], name=op.f('fk_ballot_entries_nomination_id_nominations')),
    sa.ForeignKeyConstraint(['round_id'], ['voting_rounds.id'], name=op.f('fk_ballot_entries_round_id_voting_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('round_id', 'nomination_id', name=op.f('pk_ballot_entries')),
    sa.UniqueConstraint('round_id', 'category_id', 'nomination_id', name=op.f('uq_ballot_entries_round_id_category_id_nomination_id'))
    )
    op.create_table('conflict_declarations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('nomination_id', sa.Integer(), nullable=False),
    sa.Column('has_conflict', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('proposed_by_system', sa.Boolean(), nullable=False),
    sa.Column('declared_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('NOT has_conflict OR reason IS NOT NULL', name=op.f('ck_conflict_declarations_reason_when_conflicted')),
    sa.ForeignKeyConstraint(['expert_id'], ['users.id'], name=op.f('fk_conflict_declarations_expert_id_users')),
    sa.ForeignKeyConstraint(['nomination_id'], ['nominations.id'], name=op.f('fk_conflict_declarations_nomination_id_nominations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conflict_declarations')),
    sa.UniqueConstraint('expert_id', 'nomination_id', name=op.f('uq_conflict_declarations_expert_id_nomination_id'))
    )
    with op.batch_alter_table('conflict_declarations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conflict_declarations_nomination_id'), ['nomination_id'], unique=False)

    op.create_table('decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('nomination_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.Enum('winner', 'champion', name='outcome', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('rationale', sa.Text(), nullable=False),
    sa.Column('deviation_reason', sa.Text(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_decisions_category_id_categories')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_decisions_decided_by_id_users')),
    sa.ForeignKeyConstraint(['edition_id'], ['editions.id'], name=op.f('fk_decisions_edition_id_editions')),
    sa.ForeignKeyConstraint(['nomination_id'], ['nominations.id'], name=op.f('fk_decisions_nomination_id_nominations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions')),
    sa.UniqueConstraint('edition_id', 'nomination_id', name=op.f('uq_decisions_edition_id_nomination_id'))
    )
    op.create_table('nomination_sdg_links',
    sa.Column('nomination_id', sa.Integer(), nullable=False),
    sa.Column('sdg', sa.SmallInteger(), nullable=False),
    sa.Column('linkage', sa.Text(), nullable=False),
    sa.CheckConstraint('sdg BETWEEN 1 AND 17', name=op.f('ck_nomination_sdg_links_sdg_range')),
    sa.ForeignKeyConstraint(['nomination_id'], ['nominations.id'], name=op.f('fk_nomination_sdg_links_nomination_id_nominations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('nomination_id', 'sdg', name=op.f('pk_nomination_sdg_links'))
    )
    op.create_table('scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('nomination_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.Enum('nomination', 'selection', name='review_stage', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('value', sa.SmallInteger(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('status', sa.Enum('draft', 'submitted', name='score_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('value >= 0', name=op.f('ck_scores_non_negative')),
    sa.ForeignKeyConstraint(['criterion_id'], ['rubric_criteria.id'], name=op.f('fk_scores_criterion_id_rubric_criteria')),
    sa.ForeignKeyConstraint(['expert_id'], ['users.id'], name=op.f('fk_scores_expert_id_users')),
    sa.ForeignKeyConstraint(['nomination_id'], ['nominations.id'], name=op.f('fk_scores_nomination_id_nominations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scores')),
    sa.UniqueConstraint('expert_id', 'nomination_id', 'criterion_id', 'stage', name=op.f('uq_scores_expert_id_nomination_id_criterion_id_stage'))
    )
    with op.batch_alter_table('scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scores_nomination_id'), ['nomination_id'], unique=False)

    op.create_table('votes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('nomination_id', sa.Integer(), nullable=False),
    sa.Column('voter_id', sa.Integer(), nullable=False),
    sa.Column('cast_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('receipt_code', sa.String(length=32), nullable=False),
    sa.Column('network_hash', sa.String(length=64), nullable=True),
    sa.Column('device_hash', sa.String(length=64), nullable=True),
    sa.Column('status', sa.Enum('valid', 'invalidated', name='vote_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('invalidated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('invalidated_by_id', sa.Integer(), nullable=True),
    sa.Column('invalidation_reason', sa.Text(), nullable=True),
    sa.CheckConstraint("status = 'valid' OR (invalidated_at IS NOT NULL AND invalidation_reason IS NOT NULL)", name=op.f('ck_votes_invalidation_recorded')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_votes_category_id_categories')),
    sa.ForeignKeyConstraint(['invalidated_by_id'], ['users.id'], name=op.f('fk_votes_invalidated_by_id_users')),
    sa.ForeignKeyConstraint(['nomination_id'], ['nominations.id'], name=op.f('fk_votes_nomination_id_nominations')),
    sa.ForeignKeyConstraint(['round_id', 'category_id', 'nomination_id'], ['ballot_entries.round_id', 'ballot_entries.category_id', 'ballot_entries.nomination_id'], name='fk_votes_ballot_entry'),
    sa.ForeignKeyConstraint(['round_id'], ['voting_rounds.id'], name=op.f('fk_votes_round_id_voting_rounds')),
    sa.ForeignKeyConstraint(['voter_id'], ['users.id'], name=op.f('fk_votes_voter_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_votes')),
    sa.UniqueConstraint('receipt_code', name=op.f('uq_votes_receipt_code')),
    sa.UniqueConstraint('round_id', 'category_id', 'voter_id', name=op.f('uq_votes_round_id_category_id_voter_id'))
    )
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_votes_network_hash'), ['network_hash'], unique=False)
        batch_op.create_index('ix_votes_tally', ['round_id', 'category_id', 'status', 'nomination_id'], unique=False)
        batch_op.create_index('ix_votes_voter', ['voter_id', 'round_id'], unique=False)


    _seed_categories()
    _forbid_deletes()


def downgrade() -> None:
    _allow_deletes()
    _drop_kept_tables()
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.drop_index('ix_votes_voter')
        batch_op.drop_index('ix_votes_tally')
        batch_op.drop_index(batch_op.f('ix_votes_network_hash'))

    op.drop_table('votes')
    with op.batch_alter_table('scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scores_nomination_id'))

    op.drop_table('scores')
    op.drop_table('nomination_sdg_links')
    op.drop_table('decisions')
    with op.batch_alter_table('conflict_declarations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conflict_declarations_nomination_id'))

    op.drop_table('conflict_declarations')
    op.drop_table('ballot_entries')
    op.drop_table('suspicion_flags')
    with op.batch_alter_table('nominations', schema=None) as batch_op:
        batch_op.drop_index('uq_nominations_one_per_organisation', sqlite_where=sa.text("status NOT IN ('draft', 'withdrawn')"), postgresql_where=sa.text("status NOT IN ('draft', 'withdrawn')"))
        batch_op.drop_index(batch_op.f('ix_nominations_nominator_id'))
        batch_op.drop_index(batch_op.f('ix_nominations_entry_id'))
        batch_op.drop_index('ix_nominations_edition_category_status')

    op.drop_table('nominations')
    with op.batch_alter_table('entry_sdgs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entry_sdgs_sdg'))

    op.drop_table('entry_sdgs')
    with op.batch_alter_table('entry_action_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entry_action_lines_action_line'))

    op.drop_table('entry_action_lines')
    op.drop_table('voting_rounds')
    op.drop_table('user_roles')
    with op.batch_alter_table('stocktaking_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stocktaking_entries_owner_id'))
        batch_op.drop_index(batch_op.f('ix_stocktaking_entries_organisation_key'))
        batch_op.drop_index(batch_op.f('ix_stocktaking_entries_country'))

    op.drop_table('stocktaking_entries')
    op.drop_table('rubric_criteria')
    with op.batch_alter_table('login_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_events_user_id'))
        batch_op.drop_index(batch_op.f('ix_login_events_network_hash'))
        batch_op.drop_index(batch_op.f('ix_login_events_at'))

    op.drop_table('login_events')
    with op.batch_alter_table('expert_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_invitations_email_canonical'))

    op.drop_table('expert_invitations')
    with op.batch_alter_table('expert_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_assignments_expert_id'))

    op.drop_table('expert_assignments')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_object')
        batch_op.drop_index(batch_op.f('ix_audit_events_at'))
        batch_op.drop_index(batch_op.f('ix_audit_events_actor_id'))
        batch_op.drop_index(batch_op.f('ix_audit_events_action'))

    op.drop_table('audit_events')
    op.drop_table('users')
    op.drop_table('editions')
    op.drop_table('categories')


CATEGORIES = [
    (1, "C1", "governments-and-stakeholders", "The role of governments and all stakeholders in the promotion of ICTs for development"),
    (2, "C2", "infrastructure", "Information and communication infrastructure"),
    (3, "C3", "access-to-information", "Access to information and knowledge"),
    (4, "C4", "capacity-building", "Capacity building"),
    (5, "C5", "confidence-and-security", "Building confidence and security in the use of ICTs"),
    (6, "C6", "enabling-environment", "Enabling environment"),
    (7, "C7", "e-government", "ICT applications: e-government"),
    (8, "C7", "e-business", "ICT applications: e-business"),
    (9, "C7", "e-learning", "ICT applications: e-learning"),
    (10, "C7", "e-health", "ICT applications: e-health"),
    (11, "C7", "e-employment", "ICT applications: e-employment"),
    (12, "C7", "e-environment", "ICT applications: e-environment"),
    (13, "C7", "e-agriculture", "ICT applications: e-agriculture"),
    (14, "C7", "e-science", "ICT applications: e-science"),
    (15, "C8", "cultural-diversity", "Cultural diversity and identity, linguistic diversity and local content"),
    (16, "C9", "media", "Media"),
    (17, "C10", "ethical-dimensions", "Ethical dimensions of the Information Society"),
    (18, "C11", "international-cooperation", "International and regional cooperation"),
]

# Votes and audit events are never deleted; audit events are never changed either.
APPEND_ONLY = [("votes", "DELETE"), ("audit_events", "DELETE"), ("audit_events", "UPDATE")]


def _seed_categories() -> None:
    table = sa.table(
        "categories",
        sa.column("number", sa.SmallInteger),
        sa.column("action_line", sa.String),
        sa.column("slug", sa.String),
        sa.column("name", sa.String),
    )
    op.bulk_insert(
        table,
        [dict(number=n, action_line=a, slug=s, name=name) for n, a, s, name in CATEGORIES],
    )


def _forbid_deletes() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            """
            CREATE FUNCTION prizes_refuse_change() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '% on % is not allowed: the table is append-only',
                    TG_OP, TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
            END;
            $$ LANGUAGE plpgsql
            """
        )
    for table, operation in APPEND_ONLY:
        name = f"{table}_no_{operation.lower()}"
        if dialect == "postgresql":
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {operation} ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION prizes_refuse_change()"
            )
        else:
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {operation} ON {table} BEGIN "
                f"SELECT RAISE(ABORT, '{operation} on {table} is not allowed: the table is append-only'); END"
            )


OWN_TABLES = {
    "categories", "editions", "users", "audit_events", "expert_assignments",
    "expert_invitations", "login_events", "rubric_criteria", "stocktaking_entries",
    "user_roles", "voting_rounds", "entry_action_lines", "entry_sdgs", "nominations",
    "suspicion_flags", "ballot_entries", "conflict_declarations", "decisions",
    "nomination_sdg_links", "scores", "votes", "alembic_version",
}


def _drop_kept_tables() -> None:
    """Tables that later migrations' downgrades kept for their data reference ours: drop
    them first (children before parents)."""
    metadata = sa.MetaData()
    bind = op.get_bind()
    names = [n for n in sa.inspect(bind).get_table_names() if n not in OWN_TABLES]
    names = [n for n in names if not n.startswith("entry_search")]  # 0002's, dropped by it
    if not names:
        return
    metadata.reflect(bind=bind, only=names)
    for table in reversed(metadata.sorted_tables):
        if table.name in names:  # not the parents that reflection brought along
            op.drop_table(table.name)


def _allow_deletes() -> None:
    dialect = op.get_bind().dialect.name
    for table, operation in APPEND_ONLY:
        name = f"{table}_no_{operation.lower()}"
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if dialect == "postgresql" else ""))
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS prizes_refuse_change()")
