"""Union accounts (粤工惠号): the tree from province to grassroots unions, and their columns."""
