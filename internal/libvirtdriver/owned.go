package libvirtdriver

import (
	"context"
	"fmt"

	"libvirt.org/go/libvirt"
)

// OwnedDomains lists the defined domains whose metadata holds an element
// of namespace, with that element.
func (c *Conn) OwnedDomains(ctx context.Context, namespace string) ([]OwnedDomain, error) {
	var owned []OwnedDomain
	err := c.retry(ctx, func() error {
		lc, _, err := c.conn(ctx)
		if err != nil {
			return fmt.Errorf("list domains: %w", err)
		}
		doms, err := lc.ListAllDomains(libvirt.CONNECT_LIST_DOMAINS_PERSISTENT)
		if err != nil {
			return fmt.Errorf("list domains: %w", clean(err))
		}
		owned = owned[:0]
		for i := range doms {
			d := &doms[i]
			meta, err := d.GetMetadata(libvirt.DOMAIN_METADATA_ELEMENT, namespace, libvirt.DOMAIN_AFFECT_CONFIG)
			name, nerr := d.GetName()
			d.Free()
			if err != nil || nerr != nil {
				// No element of ours, or a domain undefined meanwhile.
				continue
			}
			owned = append(owned, OwnedDomain{Name: name, Metadata: meta})
		}
		return nil
	})
	return owned, err
}
