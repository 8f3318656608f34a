"""The librarian's indexer: resource pages and catalog rows into a faceted Whoosh index.

Data flows one way: page files (`corpus`) -> sightings (`pages`, `catalog`) -> `Resource`
records (`resources`) -> index documents (`schema`) -> a published index (`build`, `update`,
`store`).
"""
