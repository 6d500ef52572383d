# Common Ground, page web : français.

## Layout
skip-to-content = Aller au contenu
nav-label = Principal
nav-tally = Comptages
nav-plans = Plans
nav-network = Réseau
lang-label = Langue
logout = Se déconnecter
save = Enregistrer

## Login
login-title = Connexion
login-intro = Ce nœud est utilisé depuis une autre machine. Saisissez la phrase secrète définie sur le nœud avec « commonground web passphrase ».
login-passphrase = Phrase secrète
login-submit = Se connecter
login-not-set = Aucune phrase secrète n’est définie sur ce nœud. Sur la machine du nœud, lancez d’abord « commonground web passphrase ».
login-wrong = Cette phrase secrète n’est pas la bonne. Réessayez.
login-wait = Trop de phrases secrètes erronées depuis votre adresse. Réessayez dans { $seconds } secondes.
login-locked = Trop de phrases secrètes erronées depuis votre adresse : la connexion est bloquée pendant { $minutes } minutes.

## Errors
error-home = Retour à la page d’accueil
error-not-found = Introuvable
error-refused = Le nœud a refusé
error-busy = Le nœud est occupé ou s’arrête. Réessayez dans un instant.
error-internal = Le nœud n’a pas pu le faire. Son journal dit pourquoi.
error-too-large = Ce formulaire est trop volumineux.
error-csrf = Ce formulaire a expiré. Revenez en arrière, rechargez la page et renvoyez-le.
error-cross-site = Un autre site web a tenté de modifier ce nœud. Rien n'a été modifié. Pour faire un changement, utilisez la page du nœud lui-même.
banner-disk-full = Le disque de ce nœud est plein : rien de nouveau ne peut être enregistré et ce que vous envoyez maintenant est refusé. Ce qui a été enregistré est en sécurité et reste lisible. Libérez de l'espace sur la machine du nœud : il reprend de lui-même.
banner-disk-read-only = Le disque de ce nœud ne peut pas être écrit : rien de nouveau ne peut être enregistré et ce que vous envoyez maintenant est refusé. Ce qui a été enregistré est en sécurité et reste lisible. Le nœud reprend de lui-même dès que le disque est de nouveau inscriptible.

## Refusals by the rules
pd-email = une adresse e-mail
pd-phone = un numéro de téléphone
pd-postcode = un code postal
pd-ni = un numéro de National Insurance
pd-nhs = un numéro NHS
pd-reference = un numéro de dossier ou de référence
pd-dob = une date de naissance
pd-address = une adresse personnelle
pd-name = le nom d'une personne
pd-advice-name = écrivez un rôle, pas un nom : « une famille de l'hôtel », « une de nos membres ».
pd-advice-contact = indiquez qui contacter par son rôle (« notre référente aide juridique ») ; les coordonnées n'ont pas leur place dans un texte partagé.
pd-advice-postcode = écrivez plutôt le quartier (« le nord de la ville »).
pd-advice-address = écrivez le quartier ou un lieu public, pas l'endroit où quelqu'un vit (« une famille du nord de la ville »).
pd-advice-dob = écrivez plutôt une tranche d'âge (« un homme d'une trentaine d'années », « moins de 18 ans »).
pd-advice-reference = gardez les numéros de dossier dans les papiers de la personne et décrivez la situation (« en attente d'une audience d'appel »).
refused-personal-data = Ceci semble contenir { $kind }. Common Ground ne garde aucune donnée personnelle : { $advice }
refused-empty = Ce champ ne doit pas être vide.
refused-control = Ce texte contient un caractère de contrôle invisible ({ $code }), peut-être collé depuis un autre programme. Tapez le texte à nouveau ou collez-le en texte brut.
refused-bidi-override = Ce texte contient un caractère qui inverse le sens de lecture ({ $code }) et peut faire lire le texte autrement qu'il a été tapé. Retirez-le : les marques dont l'arabe et les autres écritures ont besoin sont conservées.
refused-invisible = Ce texte ne contient rien de visible : seulement des espaces ou des caractères qui ne s'affichent pas.
refused-too-long = C’est trop long : { $max } caractères au plus.
refused-out-of-range = La valeur doit être comprise entre { $min } et { $max }.
refused-unknown-issue = Ce sujet n’est pas dans le catalogue.
refused-issue-exists = Ce sujet existe déjà.
refused-malformed = Ce n’est pas sous la bonne forme.

## Numbers and time
range-value = { $low }–{ $high }
minutes-ago = { $n ->
    [0] à l’instant
    [one] il y a { $n } minute
   *[other] il y a { $n } minutes
}

## Charts
map-title = Carte des pouvoirs
map-opposed = ← opposé
map-supportive = favorable →
map-influence = influence
col-issue = Sujet
col-count = Nombre

## Issues
issue-housing = Logement
issue-legal-aid = Aide juridique
issue-health = Santé
issue-education = Éducation
issue-detention = Rétention
issue-destitution = Dénuement
issue-employment = Emploi
issue-immigration-status = Statut migratoire
issue-hate-crime = Crimes de haine
issue-mental-health = Santé mentale
issue-family-reunion = Regroupement familial

## Tallies and meetings
tally-title = Comptages
tally-period = Mois
tally-show = Afficher
tally-heading = Sujets soulevés en { $period }
tally-empty = Rien n’a encore été compté ce mois-ci.
tally-total = { $n ->
    [one] { $n } fois en tout
   *[other] { $n } fois en tout
}
meeting-title = Enregistrer une réunion
meeting-intro = Des nombres seulement, jamais qui : n’écrivez ni noms, ni numéros de téléphone, ni détails de dossiers.
meeting-date = Date
meeting-kind = Type de réunion
meeting-attendees = Nombre de personnes présentes
meeting-issues = Sujets soulevés, et combien de fois
meeting-decisions = Décisions
meeting-decisions-hint = Une décision par ligne.
meeting-submit = Enregistrer la réunion
meetings-recent = Réunions récentes
meetings-none = Aucune réunion enregistrée pour l’instant.
meeting-people = { $n ->
    [one] { $n } personne
   *[other] { $n } personnes
}
meeting-kind-weekly-meeting = Réunion hebdomadaire
meeting-kind-one-to-ones = Entretiens individuels
meeting-kind-public-meeting = Réunion publique
meeting-kind-training = Formation
meeting-kind-other = Autre

## Regional view
region-empty = Aucun comptage n’a été publié dans ce réseau pour ce mois.
region-ranges = Un intervalle comme 0–4 est un nombre qu’un groupe a publié comme « moins de 5 » : le vrai nombre s’y trouve.
region-csv = Télécharger ces nombres (CSV)

## Plans
plans-title = Plans de campagne
plans-list = Plans
plans-none = Aucun plan pour l’instant.
plans-back = ← Tous les plans
plan-new = Nouveau plan
plan-title = Titre
plan-goal = Objectif
plan-demands = Revendications
plan-network = Partagé avec
plan-private = Ce groupe seulement
plan-create = Créer le plan
plan-edit = Modifier le plan
plan-status = État
plan-no-goal = Aucun objectif écrit pour l’instant.
plan-no-demands = Aucune revendication écrite pour l’instant.
plan-actions-count = { $n ->
    [one] { $n } action
   *[other] { $n } actions
}
plan-status-planning = En préparation
plan-status-active = En cours
plan-status-won = Gagné
plan-status-closed = Clos
map-empty = Aucune cible ni allié pour l’instant.
target-new = Ajouter une cible ou un allié
target-intro = Par fonction, jamais par nom : « adjoint au logement ».
target-kind = Cible ou allié
target-kind-target = Cible
target-kind-ally = Allié
target-role = Fonction
target-institution = Institution
target-influence = Influence sur l’objectif (1 à 5)
target-stance = Position
target-add = Ajouter à la carte
target-summary = influence { $influence }
stance-0 = Opposé
stance-1 = Plutôt contre
stance-2 = Neutre
stance-3 = Plutôt pour
stance-4 = Favorable
actions-title = Actions
actions-none = Aucune action pour l’instant.
action-new = Ajouter une action
action-title = Quoi
action-date = Date
action-kind = Type
action-notes = Notes
action-add = Ajouter l’action
action-status = État
action-no-date = pas encore de date
action-kind-meeting = Réunion
action-kind-public-action = Action publique
action-kind-training = Formation
action-kind-one-to-ones = Entretiens individuels
action-kind-other = Autre
action-status-planned = Prévue
action-status-done = Faite
action-status-cancelled = Annulée
ameetings-title = Rencontres avec les autorités
ameetings-none = Aucune rencontre avec les autorités pour l’instant.
ameeting-new = Ajouter une rencontre avec une autorité
ameeting-with = Avec (fonction et institution)
ameeting-date = Date
ameeting-agenda = Ordre du jour
ameeting-agenda-hint = Un point par ligne.
ameeting-add = Ajouter la rencontre

## Network
network-title = Réseau
network-me = Ce groupe
network-group-id = Identifiant du groupe :
reach-unknown = Joignable depuis l’extérieur : pas encore connu (les membres le vérifient une fois connectés).
reach-direct = Joignable directement depuis l’extérieur.
reach-relayed = Pas joignable directement (ce nœud est derrière un routeur) : les autres groupes le joignent par le relais de { $relay }.
reach-unreachable = Pas joignable depuis l’extérieur : demandez à un membre ayant une adresse publique de servir de relais. Les membres de ce réseau local et les paquets fonctionnent toujours.
reach-relaying = Ce nœud sert de relais aux membres de ses réseaux ({ $count } y ont une place).
network-api = L’API du nœud est décrite à
network-members = Membres
network-this-group = ce groupe
col-group = Groupe
col-role = Rôle
col-joined = Arrivé le
role-coordinator = Coordination
role-member = Membre
role-aggregator = Agrégateur
network-threshold = Les nombres inférieurs à { $k } sont publiés comme « moins de { $k } ».
network-closed-months = Un mois est publié une fois terminé dans le fuseau horaire du réseau ({ $zone }).
network-open-months = Les membres peuvent publier un mois en cours (fuseau horaire { $zone }).
network-settings = Réglages
network-k = Seuil : plus petit nombre publié exactement
network-zone = Fuseau horaire du réseau
network-open-months-label = Permettre de publier un mois avant qu’il soit terminé
network-k-note = Relever le seuil republie les nombres de chaque membre sous ce seuil, sans leur historique. Un mois publié en cours peut suivre une seule réunion : laissez cette option désactivée sauf si les groupes en ont besoin.
network-settings-submit = Enregistrer les réglages
network-create = Créer un réseau
network-name = Nom du réseau
network-group-name = Nom de ce groupe dans le réseau
network-create-submit = Créer le réseau
network-join = Rejoindre un réseau
network-code = Code d’invitation
network-join-submit = Rejoindre
invite-expires = Valable
invite-expires-1h = 1 heure
invite-expires-24h = 1 jour
invite-expires-48h = 2 jours
invite-expires-7d = 7 jours
invite-make = Créer une invitation
invite-title = Invitation
invite-intro = Donnez ce code à usage unique au groupe qui rejoint, ou faites-le scanner. Il n’est affiché que maintenant.
invite-code = Code d’invitation
invite-qr = Le même code en QR code.
invite-valid-days = { $n ->
    [one] Valable encore { $shown } jour.
   *[other] Valable encore { $shown } jours.
}
invite-valid-hours = { $n ->
    [one] Valable encore { $shown } heure.
   *[other] Valable encore { $shown } heures.
}
invite-valid-minutes = { $n ->
    [one] Valable encore { $shown } minute.
   *[other] Valable encore { $shown } minutes.
}
invite-copy = Copier le code
invite-copied = Copié : collez-le dans un message au groupe qui rejoint.
invite-copy-failed = Copie impossible : sélectionnez le code et copiez-le à la main.
peers-title = Groupes connectés
peers-no-network = Ce nœud ne fait tourner aucun réseau.
peers-none = Aucun autre groupe n’est connecté pour l’instant.
peer-connected = connecté { $ago }
peer-direct = en direct
peer-relayed = par le relais de { $relay }
last-synced = dernière synchronisation avec { $group } { $ago }

## Publishing and merged counts
publish-title = Publier dans vos réseaux
publish-intro = Seuls ces nombres quittent ce nœud, jamais les comptes rendus de réunion. Un nombre sous le seuil d’un réseau n’est publié que comme « moins que » le seuil.
publish-none = Ce groupe n’appartient encore à aucun réseau.
publish-join = Créer ou rejoindre un réseau
publish-submit = Publier { $period } dans { $network }
publish-done = { $period } publié dans { $network } : { $n ->
    [one] { $n } sujet.
   *[other] { $n } sujets.
}
publish-hidden = { $hidden ->
    [0] Aucun nombre n’était sous le seuil.
    [one] { $hidden } nombre était sous { $k } et n’apparaît que comme un intervalle.
   *[other] { $hidden } nombres étaient sous { $k } et n’apparaissent que comme des intervalles.
}
publish-not-over = { $period } n’est pas encore terminé dans le fuseau horaire de { $network } ({ $zone }) : ce mois pourra être publié à partir du { $date }, afin qu’aucune publication ne suive une seule réunion.
publish-earlier = Publier plutôt { $period }.
publish-last = Publié le { $date }. Ce que voient les membres de { $network } :
publish-last-undated = Publié. Ce que voient les membres de { $network } :
publish-fewer = moins de { $k }
publish-ranged = { $n ->
    [one] Un nombre a changé de moins de { $k } depuis la dernière publication de ce mois : il est publié comme une fourchette qui contient le nouveau nombre, pour que personne ne puisse déduire une personne de plus de la différence.
   *[other] { $n } nombres ont changé de moins de { $k } depuis la dernière publication de ce mois : ils sont publiés comme des fourchettes qui contiennent les nouveaux nombres, pour que personne ne puisse déduire une personne de plus de la différence.
}
refused-month-not-over = Ce mois n’est pas encore terminé dans le fuseau horaire du réseau : publiez-le une fois terminé (un·e coordinateur·rice peut autoriser les mois en cours).
region-link = Voir les nombres fusionnés de { $network }
region-title = { $network } : nombres fusionnés
region-heading = Nombres fusionnés de { $period }
region-groups = { $n ->
    [one] { $n } groupe a publié ses nombres pour ce mois.
   *[other] { $n } groupes ont publié leurs nombres pour ce mois.
}
region-between = entre { $low } et { $high }
region-back = Retour aux comptages du mois et à la publication
network-publish-link = Publier les nombres de ce groupe

## Modifier et supprimer
refused-unknown-item = Ceci n’existe plus : un autre groupe l’a peut-être supprimé. Rechargez la page.
refused-base = Ce formulaire vient d’une version que ce nœud n’a pas. Rechargez la page et modifiez à nouveau.
refused-not-collaborator = Seuls les groupes qui rédigent ce plan peuvent le modifier. Demandez à l’un d’eux d’ajouter votre groupe.
refused-not-coordinator = Seuls les coordinateurs du réseau peuvent modifier ceci.
refused-last-collaborator = Un plan garde au moins un groupe qui le rédige.
refused-collaborator-member = Un groupe qui rédige doit être membre (pas agrégateur) du réseau du plan.
refused-not-permitted = Votre groupe ne peut pas modifier ceci.
flash-not-saved = Non enregistré.
flash-to-field = Aller au champ.
done-plan-saved = Le plan est enregistré.
done-action-added = L’action est ajoutée.
done-action-saved = L’action est enregistrée.
done-action-deleted = L’action est supprimée.
done-target-added = Ajouté à la carte des pouvoirs.
done-target-saved = La carte des pouvoirs est enregistrée.
done-target-deleted = Retiré de la carte des pouvoirs.
done-ameeting-added = La rencontre est ajoutée.
done-ameeting-saved = La rencontre est enregistrée.
done-ameeting-deleted = La rencontre est supprimée.
done-plan-archived = Le plan est archivé. Tout groupe qui le rédige peut le restaurer.
done-plan-restored = Le plan est restauré.
done-collab-added = Ce groupe peut maintenant modifier ce plan.
done-collab-removed = Ce groupe ne modifie plus ce plan.
done-meeting-recorded = Réunion du { $date } enregistrée : { $people ->
    [one] { $people } personne
   *[other] { $people } personnes
}, { $issues ->
    [one] { $issues } sujet
   *[other] { $issues } sujets
}.
done-meeting-saved = Réunion du { $date } corrigée : { $people ->
    [one] { $people } personne
   *[other] { $people } personnes
}, { $issues ->
    [one] { $issues } sujet
   *[other] { $issues } sujets
}. Le décompte suit.
done-meeting-deleted = La réunion du { $date } est supprimée ; ses comptes ont quitté le décompte.
plan-archived-note = Ce plan est archivé.
plan-changed-meanwhile = Un autre groupe a modifié ce plan pendant que vous écriviez. Ce que vous avez tapé est gardé ; enregistrer n’écrit que ce que vous avez changé.
plan-archive = Archiver le plan
plan-restore = Restaurer le plan
plan-archive-intro = Un plan archivé quitte la liste et est conservé ; tout groupe qui le rédige peut le restaurer.
plan-forget = Effacer l'historique de ce plan
plan-forget-intro = Le plan est réédité avec seulement ce qu'il dit maintenant. Toutes ses versions antérieures — textes supprimés ou reformulés — sont effacées du disque de ce nœud tout de suite, et de celui de chaque membre à sa prochaine synchronisation. Les modifications faites hors ligne par d'autres groupes sont reportées. Les copies déjà emportées dans des paquets (sur une clé USB) ne peuvent pas être rappelées.
plan-forget-confirm = Je comprends : les versions antérieures du plan ne pourront pas être retrouvées.
done-plan-forgotten = L'historique du plan est effacé : seul ce qu'il dit maintenant est gardé, ici et bientôt chez chaque membre.
refused-confirm = Cochez la case pour confirmer.
plan-flagged = Le texte du plan semble contenir { $kind } (dans { $field }), formé par des modifications de deux groupes qui passaient chacune la vérification. Retirez-le, puis effacez l'historique du plan.
plan-restore-intro = Restaurer remet le plan dans la liste.
plans-archived = Plans archivés
item-edit = Modifier
item-delete = Supprimer
agenda-up = Monter
agenda-down = Descendre
agenda-item = Point de l’ordre du jour
agenda-add = Ajouter un point à l’ordre du jour
ameeting-outcome = Résultat
collab-title = Groupes qui rédigent ce plan
collab-remove = Retirer
collab-cannot-edit = Votre groupe peut lire ce plan mais pas le modifier. Les groupes qui le rédigent : { $groups }. Demandez à l’un d’eux d’ajouter votre groupe.
collab-private = Ce plan est réservé à ce groupe.
collab-none-to-add = Tous les groupes membres du réseau rédigent déjà ce plan.
collab-choose = Groupe
collab-add = Permettre à ce groupe de modifier
meeting-decided = Décidé :
meeting-correct = Corriger cette réunion
meeting-delete = Supprimer cette réunion
csv-issue = Clé du sujet
csv-label = Sujet
csv-low = Minimum
csv-high = Maximum
csv-total = Nombre
collab-this-group = Ce groupe
share-title = Partager avec un réseau
share-intro = Le plan tel qu’il est devient un plan du réseau, que ses groupes membres peuvent lire et que ce groupe peut modifier ; ajoutez d’autres groupes une fois partagé. Ce plan privé est archivé ; son historique reste sur ce nœud seulement.
share-network = Réseau
share-button = Partager le plan
share-no-network = Pour le partager, ce groupe doit d’abord créer ou rejoindre un réseau.
done-plan-shared = Le plan est maintenant partagé avec le réseau. La copie privée est archivée.
invite-role = Rôle du groupe qui rejoint
invite-grants = Rôle du groupe qui rejoint : { $role }.
